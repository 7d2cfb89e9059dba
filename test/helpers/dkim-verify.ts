/**
 * An independent DKIM verifier for tests: dkimpy (Debian python3-dkim, installed by scripts/test-setup.sh)
 * run on a message, fetching public keys from the test DNS server (dnsmasq) with dnspython. Nothing of
 * mailtrail's signer is involved in the verification.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dkim-verify.py');
const PYTHON = '/usr/bin/python3';

export interface DkimVerdict {
  index: number;
  d: string;
  s: string;
  a: string;
  /** h= as signed. */
  h: string;
  ok: boolean;
  error: string | null;
}

/** Why the verifier cannot run here, or null when it can. */
export function dkimpyUnavailable(): string | null {
  return existsSync('/usr/lib/python3/dist-packages/dkim/__init__.py') ? null : 'python3-dkim is not installed (run scripts/test-setup.sh)';
}

/** One verdict per DKIM-Signature field of `message`, in order from the top. */
export function dkimpyVerify(message: Buffer, dnsAddress: string): Promise<DkimVerdict[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [SCRIPT, dnsAddress], { timeout: 20_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`dkimpy failed: ${err.message}\n${stderr}`));
      resolve(
        stdout
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as DkimVerdict),
      );
    });
    child.stdin!.end(message);
  });
}
