/**
 * `mailtrail parse-bounce FILE... [--json]`: what the bounce parser makes of message files, without a
 * config or a database. `--json` prints one object per file (JSON Lines), `file` first, in the stable
 * shape of ParseResult (src/bounces/types.ts). A file that cannot be read gives an object with `error`.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_LIMITS, parseBounce } from '../../bounces/parse/index.js';
import type { ParseResult } from '../../bounces/types.js';
import { parseCommandArgs, positiveInteger, UsageError, type CommandSpec } from '../usage.js';

const SPEC: CommandSpec = { name: 'parse-bounce', usage: 'mailtrail parse-bounce FILE... [--json] [--max-parts N] [--max-depth N]' };

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(SPEC, argv, {
    json: { type: 'boolean' },
    'max-parts': { type: 'string' },
    'max-depth': { type: 'string' },
  });
  if (positionals.length === 0) throw new UsageError(`parse-bounce: give at least one message file\nusage: ${SPEC.usage}`);
  const limits = {
    maxParts: positiveInteger(SPEC, 'max-parts', values['max-parts'], DEFAULT_LIMITS.maxParts),
    maxDepth: positiveInteger(SPEC, 'max-depth', values['max-depth'], DEFAULT_LIMITS.maxDepth),
  };
  let errors = 0;
  for (const file of positionals) {
    let result: ParseResult;
    try {
      result = { file, ...(await parseBounce(await readFile(file), limits)) };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      result = {
        file,
        kind: 'not-a-bounce',
        format: null,
        recipients: [],
        original_message_id: null,
        envelope_id: null,
        reporting_mta: null,
        feedback_type: null,
        error: e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, not a message file' : `cannot read the file: ${e.message}`,
      };
    }
    if (result.error) errors++;
    process.stdout.write((values.json ? JSON.stringify(result) : summarise(result)) + '\n');
  }
  return errors > 0 ? 1 : 0;
}

/** A few lines a person can read; the JSON has everything. */
export function summarise(r: ParseResult): string {
  const lines = [`${r.file}: ${r.kind}${r.format ? ` (${r.format})` : ''}${r.feedback_type ? ` feedback-type=${r.feedback_type}` : ''}`];
  if (r.error) lines.push(`  error: ${r.error}`);
  for (const p of r.recipients) {
    const verdict = p.hard === null ? '' : p.hard ? ' hard' : ' soft';
    const confidence = p.confidence ? ` (${p.confidence} confidence)` : '';
    lines.push(`  ${p.address ?? '(address not given)'}  ${p.action ?? '-'} ${p.status ?? '-'} ${p.category ?? ''}${verdict}${confidence}`);
    // A forwarded recipient: the report's failed address is not the one we sent to.
    if (p.final_recipient && p.address && p.final_recipient.toLowerCase() !== p.address.toLowerCase()) lines.push(`    failed at: ${p.final_recipient}`);
    if (p.diagnostic) lines.push(`    ${oneLine(p.diagnostic, 160)}`);
    if (p.evidence && p.evidence.source !== 'diagnostic' && p.evidence.text)
      lines.push(`    decided by (${p.evidence.source}): ${oneLine(p.evidence.text, 160)}`);
  }
  if (r.original_message_id) lines.push(`  original message: ${r.original_message_id}`);
  if (r.envelope_id) lines.push(`  envelope id: ${r.envelope_id}`);
  if (r.reporting_mta) lines.push(`  reported by: ${r.reporting_mta}`);
  return lines.join('\n');
}

function oneLine(s: string, max: number): string {
  // Control characters from a hostile mail must not reach the terminal.
  const flat = s
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}
