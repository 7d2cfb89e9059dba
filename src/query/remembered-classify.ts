/**
 * The default classifier with its answers kept, for the read model: a trace asks it about every reply of
 * every attempt (each phase, each outcome, each verdict), and those are the same few replies from one
 * message to the next ("250 2.1.5 Ok", "250 2.0.0 Ok: queued"). classify() is a pure function of its input,
 * so an answer once given stays right; keeping it saves the normalised text and the rule walk (about 4 KB
 * of the 84 a trace allocated, and their CPU: docs/benchmarks.md, 2026-12-05 03:20).
 *
 * Looked up without building a key: by the text first (a Map of strings hashes each string once and keeps
 * the hash in it), then among the few inputs with that text. Only a text seen before is kept (counted by its
 * fingerprint, as the event writers count values: src/store/sightings.ts): kept on its first sighting, the
 * one-off text of every trace (`250 2.0.0 Ok: queued as 4DL2`) stayed alive until the store started again,
 * 0.4 KB a trace that each scavenge had to copy (docs/benchmarks.md, 2026-12-05 03:20). The store starts again
 * when it reaches MAX_ENTRIES.
 */
import { classify } from '../classify/index.js';
import type { Classification, ResponseInput } from '../classify/types.js';
import type { ClassifyFn } from './verdict.js';
import { fingerprint, Sightings } from '../store/sightings.js';

const MAX_ENTRIES = 5_000;

interface Entry {
  phase: ResponseInput['phase'];
  code: number | null;
  enhanced: string | null;
  error: string | null;
  reportedPhase: ResponseInput['reportedPhase'];
  answer: Classification;
}

let byText = new Map<string, Entry[]>();
let entries = 0;
const seen = new Sightings(MAX_ENTRIES);

export const rememberedClassify: ClassifyFn = (input) => {
  // classify() reads a missing text as '', a missing code, status, error or reported phase as none.
  const text = input.text ?? '';
  const code = input.code ?? null;
  const enhanced = input.enhanced ?? null;
  const error = input.error || null;
  const reportedPhase = input.reportedPhase ?? null;
  let same = byText.get(text);
  if (same)
    for (let i = 0; i < same.length; i++) {
      const e = same[i]!;
      if (e.phase === input.phase && e.code === code && e.enhanced === enhanced && e.error === error && e.reportedPhase === reportedPhase) return e.answer;
    }
  if (!same) {
    const key = fingerprint(text);
    if (seen.get(key) === 0) {
      seen.set(key, 1);
      return classify(input);
    }
  }
  if (entries >= MAX_ENTRIES) {
    byText = new Map();
    entries = 0;
    same = undefined;
  }
  // Frozen: every caller gets this one object.
  const answer = Object.freeze(classify(input));
  const entry: Entry = { phase: input.phase, code, enhanced, error, reportedPhase, answer };
  if (same) same.push(entry);
  else byText.set(text, [entry]);
  entries++;
  return answer;
};
