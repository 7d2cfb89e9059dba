#!/usr/bin/env node
// Entry point of the `mailtrail` command. The sources are TypeScript; the command runs them compiled to
// plain JavaScript in dist/ (scripts/build.js), built here first whenever src/ changed, so a checkout
// runs without a build step and never from a stale build. Not with tsx at run time: its loader adds a
// thread of about 20 MB to each JavaScript thread that loads TypeScript (docs/benchmarks.md, issue 17).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildDirectory, isBuilt, useBuild } from '../scripts/build.js';

// `start` treats SIGHUP as "reload" (log rotation, a renewed certificate). Until its own handler is in place (a
// build, the modules loading) one must not end the relay: it is noted, and `start` reloads once it is up.
if (process.argv[2] === 'start') {
  globalThis.mailtrailEarlyHangup = false;
  process.on('SIGHUP', () => {
    globalThis.mailtrailEarlyHangup = true;
  });
}

let dir = buildDirectory();
if (!isBuilt(dir)) {
  // In a process of its own: esbuild (its JavaScript API and its service process) stays out of the relay's.
  const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/build.js');
  const built = spawnSync(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (built.status !== 0) {
    process.stderr.write(
      `mailtrail: cannot run: compiling src/ into ${path.dirname(dir)} failed (above). ` +
        'If this directory is not writable at run time, build once at install time with `npm run build`.\n',
    );
    process.exit(1);
  }
  dir = built.stdout.trim();
}
// Kept while this process runs: a build made by a later command (after a pull, an edit) prunes older builds.
useBuild(dir);
// Before anything else loads: the main thread's young generation does not grow while the modules load, and
// `start` sizes it after (src/heap/young-generation.ts).
const { pinYoungGeneration } = await import(pathToFileURL(path.join(dir, 'heap/young-generation.js')).href);
pinYoungGeneration();
await import(pathToFileURL(path.join(dir, 'cli/main.js')).href);
