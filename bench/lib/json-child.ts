/**
 * Runs one of the benchmark's own TypeScript programs (the load generator, the query scenarios' lookups) as a
 * process of its own, so that its CPU, heap and garbage collector are not the caller's, and reads the one
 * JSON object it prints as its last line.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface JsonChildOptions {
  /** The program, relative to `root` (e.g. bench/loadgen.ts), and its arguments. */
  script: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Written to the program's stdin, which is then closed. */
  input?: string;
  /** Names the program in the error when it fails. */
  what: string;
  /** Node flags before the program (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}

export function runJsonChild<T>(root: string, o: JsonChildOptions): Promise<T> {
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', path.join(root, o.script), ...(o.args ?? [])], {
    cwd: root,
    env: o.env ?? process.env,
    stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  if (o.input !== undefined) child.stdin!.end(o.input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(line) as T);
      } catch (e) {
        reject(new Error(`${o.what} failed (${(e as Error).message}): ${err.slice(-1500)}${out.slice(-500)}`));
      }
    });
  });
}
