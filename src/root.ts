/**
 * The installation's root directory: where package.json, migrations/ and config/ are. Found upwards from
 * this file rather than at a fixed depth, so it is the same whether the code runs from src/ (tsx) or from
 * a build in dist/<id>/ (scripts/build.js, what bin/mailtrail.js runs).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}: mailtrail's files are incomplete`);
  }
}

export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
