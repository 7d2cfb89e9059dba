#!/usr/bin/env node
/**
 * Compiles src/ (TypeScript) to plain JavaScript in dist/<fingerprint>/, one .js file per .ts file in the
 * same layout, other files (the web page's style sheet) copied. bin/mailtrail.js runs the relay from there,
 * so no TypeScript loader runs in the relay: tsx's loader costs one hooks thread per JavaScript thread that
 * loads TypeScript (about 20 MB each, docs/benchmarks.md, issue 17), and compiles on every start.
 *
 * Never stale: the fingerprint is a hash of every file's path and content under src/, this file and
 * esbuild's version, so a build is found again only for the very sources it was made from; any change
 * (an edit, a checkout, a pull) makes bin/mailtrail.js build anew before it runs (about a second).
 * Safe to run concurrently: each build is written to a temporary directory and renamed into place whole,
 * and a build that lost the race is dropped.
 *
 * `node scripts/build.js` (`npm run build`) builds now, for an install whose directory the relay cannot
 * write at run time (the Dockerfile does it); tests and the benchmark's harness keep running src/ with tsx.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'src');
const DIST = path.join(ROOT, 'dist');
/** Written last into a build: a directory without it is not a build. */
const COMPLETE = '.complete';
/** Builds kept besides the newest, in use or not (a command started from one a moment ago). */
const KEEP = 3;
/**
 * A process running from a build names itself here (`<pid>`), so that no later build removes the code it
 * loads threads and modules from while it runs: a relay started before a `git pull` and a `mailtrail` command
 * lost its bounce-parse thread's code, and every inbound mail after that failed (found by an audit).
 */
const IN_USE = '.in-use';

/** Every file under `dir`, as paths relative to it, sorted (the fingerprint must not depend on readdir's order). */
function filesUnder(dir, prefix = '') {
  const files = [];
  for (const e of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) files.push(...filesUnder(dir, rel));
    else if (e.isFile()) files.push(rel);
  }
  return files.sort();
}

function esbuildVersion() {
  // Resolved from here, as the build imports it: the version actually used, hoisted or not.
  const require = createRequire(import.meta.url);
  return JSON.parse(readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
}

/** The directory the current sources build into (it may not exist yet). */
export function buildDirectory() {
  const hash = createHash('sha256');
  hash.update(`esbuild ${esbuildVersion()}\0`);
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const file of filesUnder(SRC)) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(path.join(SRC, file)));
  }
  return path.join(DIST, hash.digest('hex').slice(0, 16));
}

export function isBuilt(dir) {
  return existsSync(path.join(dir, COMPLETE));
}

/**
 * Marks `dir` in use by this process until it exits. Best effort: in a directory the process cannot write
 * (an install built ahead with `npm run build`), no build is made or pruned at run time either.
 */
export function useBuild(dir) {
  const marker = path.join(dir, IN_USE, String(process.pid));
  try {
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  } catch {
    return;
  }
  process.on('exit', () => rmSync(marker, { force: true }));
}

/** A build some running process (a marker whose pid lives) runs from. */
function inUse(dir) {
  let pids;
  try {
    pids = readdirSync(path.join(dir, IN_USE));
  } catch {
    return false;
  }
  return pids.some((pid) => Number(pid) !== process.pid && isAlive(Number(pid)));
}

/** Builds the current sources unless already built; returns the build's directory. */
export async function build() {
  const dir = buildDirectory();
  if (isBuilt(dir)) return dir;
  mkdirSync(DIST, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const files = filesUnder(SRC);
  const { build: esbuild } = await import('esbuild');
  try {
    await esbuild({
      entryPoints: files.filter((f) => f.endsWith('.ts')).map((f) => path.join(SRC, f)),
      outdir: tmp,
      outbase: SRC,
      bundle: false, // one file per module, same layout: paths made from import.meta.url stay right
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Stack traces point into dist/; `node --enable-source-maps` maps them back to src/.
      sourcemap: 'linked',
      logLevel: 'error',
    });
    // Assets beside the code (the style sheet). Not src/'s .js files: they are the tsx entries of the threads,
    // which a build does not use (src/thread-entry.ts).
    for (const f of files.filter((f) => !f.endsWith('.ts') && !f.endsWith('.js'))) cpSync(path.join(SRC, f), path.join(tmp, f));
    writeFileSync(path.join(tmp, COMPLETE), `${new Date().toISOString()}\n`);
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another process built the same sources meanwhile: use its build.
      if (!isBuilt(dir)) throw err;
      rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  prune(dir);
  return dir;
}

/**
 * Removes all but the KEEP newest builds besides `current`, except builds a running process uses, and
 * temporary directories of builds that died.
 */
function prune(current) {
  const builds = [];
  for (const name of readdirSync(DIST)) {
    const dir = path.join(DIST, name);
    if (dir === current) continue;
    if (name.includes('.tmp-')) {
      const pid = Number(name.slice(name.lastIndexOf('-') + 1));
      if (!isAlive(pid)) rmSync(dir, { recursive: true, force: true });
    } else if (isBuilt(dir)) builds.push({ dir, at: statSync(path.join(dir, COMPLETE)).mtimeMs });
  }
  builds.sort((a, b) => b.at - a.at);
  for (const { dir } of builds.slice(KEEP)) if (!inUse(dir)) rmSync(dir, { recursive: true, force: true });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    // The directory, for bin/mailtrail.js (which runs it) and for the curious.
    process.stdout.write(`${await build()}\n`);
  } catch (err) {
    process.stderr.write(`mailtrail: building src/ into dist/ failed: ${err.message}\n`);
    process.exitCode = 1;
  }
}
