/**
 * bounces: throughput of the bounce parser (src/bounces/parse, parseBounce) over the shared corpus of
 * real bounce mails (`../shared/corpus/bounces/dev/emails` from the repository root). Every file is read
 * into memory once; the parser then runs over all of them, again and again, for a few seconds, in one
 * thread, as the inbound processor calls it. Figures: mails/s and MB/s, and the slowest single mail.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBounce } from '../../src/bounces/parse/index.js';
import type { ScenarioContext, ScenarioResult, Scenario } from './types.js';

export interface BouncesOptions {
  /** How long to keep parsing (default 5,000 ms; at least one full pass is always made). */
  durationMs?: number;
  /** Corpus directory; default `<root>/../shared/corpus/bounces/dev/emails`. */
  corpusDir?: string;
}

function listMails(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listMails(p));
    else if (entry.isFile() && entry.name.endsWith('.eml')) out.push(p);
  }
  return out.sort();
}

export async function runBounces(ctx: ScenarioContext, opts: BouncesOptions = {}): Promise<ScenarioResult> {
  const durationMs = opts.durationMs ?? 5_000;
  const dir = opts.corpusDir ?? path.resolve(ctx.root, '../shared/corpus/bounces/dev/emails');
  const empty = (note: string): ScenarioResult => ({
    figures: { bounce_corpus_mails: null, bounce_corpus_mb: null, bounce_mails_per_s: null, bounce_mb_per_s: null, bounce_slowest_ms: null },
    notes: [note],
  });
  if (!existsSync(dir)) return empty(`bounces: no corpus at ${dir} (the shared bounce corpus is not on this machine): parser throughput not measured.`);
  const files = listMails(dir);
  if (files.length === 0) return empty(`bounces: ${dir} holds no .eml files: parser throughput not measured.`);
  const mails = files.map((f) => readFileSync(f));
  const bytes = mails.reduce((n, m) => n + m.length, 0);
  ctx.progress(`bounces: parsing ${mails.length} mails (${(bytes / 1024 / 1024).toFixed(1)} MB) repeatedly for ${durationMs / 1000} s`);

  // A warm-up pass (JIT), counting parse errors; then one pass timed mail by mail, for the slowest.
  let errors = 0;
  for (const m of mails) if ((await parseBounce(m)).error) errors++;
  let slowest = { ms: 0, file: '' };
  for (let i = 0; i < mails.length; i++) {
    const t0 = performance.now();
    await parseBounce(mails[i]);
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, file: path.relative(dir, files[i]) };
  }

  let parsed = 0;
  let parsedBytes = 0;
  let passes = 0;
  const started = performance.now();
  do {
    for (const m of mails) await parseBounce(m);
    parsed += mails.length;
    parsedBytes += bytes;
    passes++;
  } while (performance.now() - started < durationMs);
  const seconds = (performance.now() - started) / 1000;

  return {
    figures: {
      bounce_corpus_mails: mails.length,
      bounce_corpus_mb: Math.round((bytes / 1024 / 1024) * 100) / 100,
      bounce_mails_per_s: Math.round(parsed / seconds),
      bounce_mb_per_s: Math.round((parsedBytes / 1024 / 1024 / seconds) * 10) / 10,
      bounce_slowest_ms: Math.round(slowest.ms * 100) / 100,
    },
    notes: [
      `bounces: ${mails.length} real mails from the shared corpus (${(bytes / 1024).toFixed(0)} KB, mean ${(bytes / mails.length / 1024).toFixed(1)} KB), ` +
        `parsed ${passes} times over in one thread with parseBounce; slowest single mail ${slowest.ms.toFixed(1)} ms (${slowest.file}) after warm-up` +
        (errors ? `; ${errors} mails gave a result with an error.` : '.'),
    ],
  };
}

export const run: Scenario = (ctx) => runBounces(ctx);
