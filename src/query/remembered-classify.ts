/**
 * The default classifier with its answers kept, for the read model: a trace asks it about every reply of
 * every attempt (each phase, each outcome, each verdict), and those are the same few replies from one
 * message to the next ("250 2.1.5 Ok", "250 2.0.0 Ok: queued"). classify() is a pure function of its input,
 * so an answer once given stays right; keeping it saves the normalised text and the rule walk, which were
 * a fifth of what a trace allocated (docs/benchmarks.md, 2026-12-05 03:20).
 *
 * Looked up without building a key: by the text first (a Map of strings hashes each string once and keeps
 * the hash in it), then among the few inputs with that text. A one-off text (a queue id in a reply) is an
 * entry too; the whole store is dropped when it reaches MAX_ENTRIES.
 */
import { classify } from '../classify/index.js';
import type { Classification, ResponseInput } from '../classify/types.js';
import type { ClassifyFn } from './verdict.js';

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

export const rememberedClassify: ClassifyFn = (input) => {
  // classify() reads a missing text as '', a missing code, status, error or reported phase as none.
  const text = input.text ?? '';
  const code = input.code ?? null;
  const enhanced = input.enhanced ?? null;
  const error = input.error || null;
  const reportedPhase = input.reportedPhase ?? null;
  let same = byText.get(text);
  if (same)
    for (const e of same)
      if (e.phase === input.phase && e.code === code && e.enhanced === enhanced && e.error === error && e.reportedPhase === reportedPhase) return e.answer;
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
