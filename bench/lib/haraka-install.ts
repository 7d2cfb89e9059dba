/**
 * Haraka, the benchmark's peer in the same language, is installed by the benchmark into bench/peers/haraka
 * (its own package.json and lockfile, `npm ci --omit=optional`) on first use, not with the relay: it brings
 * about 55 packages (redis clients, node-gyp) and 28 optional plugins that the relay and its tests never
 * load, and the Docker image and `npm ci` of the relay should not carry them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/peers/haraka: package.json and package-lock.json tracked, node_modules installed here. */
export const HARAKA_PREFIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers/haraka');
export const HARAKA_BIN = path.join(HARAKA_PREFIX, 'node_modules/Haraka/bin/haraka');

export interface HarakaInstall {
  bin: string;
  version: string;
}

function installedVersion(): string | null {
  try {
    return (JSON.parse(readFileSync(path.join(HARAKA_PREFIX, 'node_modules/Haraka/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** The version the lockfile pins: what a fresh install gives. */
export function lockedVersion(): string {
  const lock = JSON.parse(readFileSync(path.join(HARAKA_PREFIX, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const v = lock.packages['node_modules/Haraka']?.version;
  if (!v) throw new Error(`${HARAKA_PREFIX}/package-lock.json does not pin Haraka`);
  return v;
}

/**
 * Haraka as locked, installing it first when it is missing or another version (needs the npm registry
 * once). Returns why it cannot be had instead of throwing, so the benchmark reports the peer as skipped.
 */
export function ensureHaraka(progress: (line: string) => void = () => {}): HarakaInstall | { unavailable: string } {
  const want = lockedVersion();
  if (installedVersion() !== want || !existsSync(HARAKA_BIN)) {
    progress(`haraka: installing Haraka ${want} into ${path.relative(process.cwd(), HARAKA_PREFIX) || HARAKA_PREFIX} (npm ci --omit=optional)`);
    try {
      execFileSync('npm', ['ci', '--omit=optional', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: HARAKA_PREFIX,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 300_000,
      });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      return { unavailable: `npm ci in ${HARAKA_PREFIX} failed: ${(e.stderr?.toString() || e.message).slice(-500)}` };
    }
  }
  const got = installedVersion();
  if (got !== want) return { unavailable: `Haraka ${want} is locked but ${got ?? 'nothing'} is installed in ${HARAKA_PREFIX}` };
  return { bin: HARAKA_BIN, version: got };
}
