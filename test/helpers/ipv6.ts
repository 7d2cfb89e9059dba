/**
 * IPv6 client addresses for tests of per-prefix limits: two addresses of one /64 and one of another
 * /64, all on `lo`. IPv6 has no loopback range like 127.0.0.0/8, so they are added to `lo` here, as
 * test/helpers/postfix.ts adds 127.0.0.x addresses (CI runs as root on a machine of its own); unique-local
 * /128s on `lo` route nowhere else. Without the right to add them the tests are skipped, saying why.
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';

/** fd00:34::1 and fd00:34::2 share fd00:34::/64; fd00:34:0:1::1 is in the next /64. */
export const SAME_64 = ['fd00:34::1', 'fd00:34::2'] as const;
export const OTHER_64 = 'fd00:34:0:1::1';
const ALL = [...SAME_64, OTHER_64];

function bindable(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, address, () => s.close(() => resolve(true)));
  });
}

/** Null when the addresses are usable; otherwise why not (the reason to skip with). */
export async function ipv6Unavailable(): Promise<string | null> {
  if ((await Promise.all(ALL.map(bindable))).every(Boolean)) return null;
  for (const a of ALL) {
    try {
      execFileSync('ip', ['-6', 'addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad'], { stdio: 'ignore' });
    } catch {
      /* already there, or no permission: checked below */
    }
  }
  if ((await Promise.all(ALL.map(bindable))).every(Boolean)) return null;
  return `could not add ${ALL.join(', ')} to lo (needs root or CAP_NET_ADMIN, and IPv6 enabled on lo)`;
}
