/**
 * CI runs what README tells a newcomer to run, nothing more or less: `.ci/run`'s command is README's
 * test line, byte for byte, and that line installs what the rest needs before anything else.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const read = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');

test(".ci/run runs exactly README's test line, which starts with the setup and lints before the suite", () => {
  const readme = /Run the whole test suite[\s\S]*?```sh\n(.+)\n```/.exec(read('README.md'));
  assert.ok(readme, 'README has the test line under "Run the whole test suite"');
  const line = readme[1]!;
  const commands = read('.ci/run')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set|cd) /.test(l));
  assert.deepEqual(commands, [line]);
  const steps = line.split(' && ');
  assert.equal(steps[0], 'npm run test:setup');
  assert.ok(steps.includes('npm run lint') && steps.indexOf('npm run lint') < steps.indexOf('npm test'), line);
});
