/**
 * The command line's shared handling of --help and bad arguments: every command prints its usage on
 * --help (exit 0), names itself and the bad flag on a mistake (exit 2), and `mailtrail --help` lists each
 * command with its summary without loading any of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HelpRequested, parseCommandArgs, positiveInteger, UsageError, type CommandSpec } from '../../src/cli/usage.js';
import { runCli } from '../e2e/cli.js';

const SPEC: CommandSpec = { name: 'demo', usage: 'mailtrail demo [--limit N]', help: 'Some prose.' };

test('parseCommandArgs: options parse, --help and -h raise HelpRequested with usage and prose, unknown flags are UsageErrors', () => {
  const { values, positionals } = parseCommandArgs(SPEC, ['--limit', '5', 'x'], { limit: { type: 'string' } });
  assert.equal(values.limit, '5');
  assert.deepEqual(positionals, ['x']);
  for (const flag of ['--help', '-h']) {
    assert.throws(
      () => parseCommandArgs(SPEC, [flag], { limit: { type: 'string' } }),
      (err: unknown) => err instanceof HelpRequested && err.text === 'usage: mailtrail demo [--limit N]\n\nSome prose.\n',
    );
  }
  assert.throws(
    () => parseCommandArgs(SPEC, ['--nope'], {}),
    (err: unknown) =>
      err instanceof UsageError &&
      err.message.startsWith('demo: ') &&
      err.message.includes("'--nope'") &&
      err.message.endsWith('usage: mailtrail demo [--limit N]'),
  );
});

test('positiveInteger: the fallback when absent, the number when whole and positive, a UsageError naming the flag otherwise', () => {
  assert.equal(positiveInteger(SPEC, 'limit', undefined, 7), 7);
  assert.equal(positiveInteger(SPEC, 'limit', '12', 7), 12);
  assert.equal(positiveInteger(SPEC, 'limit', '007', 7), 7);
  for (const bad of ['0', '-1', '1.5', 'ten', '', '1e3', '0x10', ' 5', '+5', '99999999999999999999']) {
    assert.throws(() => positiveInteger(SPEC, 'limit', bad, 7), new UsageError(`demo: --limit must be a positive integer (got ${JSON.stringify(bad)})`));
  }
});

test('mailtrail --help lists every command with its summary; a command --help prints its usage; mistakes exit 2 with one line', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const name of ['start', 'users', 'trace', 'tail', 'tokens', 'suppressions', 'bounces', 'parse-bounce', 'webhooks', 'dkim', 'doctor', 'migrate']) {
    assert.match(top.stdout, new RegExp(`^  ${name} +\\S.+$`, 'm'), `${name} is listed with a summary`);
  }

  const trace = await runCli(['trace', '--help']);
  assert.equal(trace.code, 0);
  assert.equal(trace.stderr, '');
  assert.match(trace.stdout, /^usage: mailtrail trace <Message-ID\|queue-id>/);
  assert.match(trace.stdout, /with or without <>/);

  const bad = await runCli(['bounces', '--limit', '0']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.equal(bad.stderr, 'mailtrail: bounces: --limit must be a positive integer (got "0")\n');

  const unknownFlag = await runCli(['webhooks', '--colour']);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /^mailtrail: webhooks: .*--colour.*\nusage: mailtrail webhooks /);
});
