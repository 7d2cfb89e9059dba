/**
 * IPv6 client addresses for tests of per-prefix limits: two addresses of one /64 and one of another
 * /64, all on `lo`. IPv6 has no loopback range like 127.0.0.0/8, so they must be added to `lo`: done here
 * only inside a named network namespace (`ip netns exec NAME …`, where the test owns `lo`); elsewhere the
 * tests that need them are skipped with the command to run them.
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

function inNamedNetns(): boolean {
  try {
    return execFileSync('ip', ['netns', 'identify', String(process.pid)], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

/** Null when the addresses are usable; otherwise why not (the reason to skip with). */
export async function ipv6Unavailable(): Promise<string | null> {
  if ((await Promise.all(ALL.map(bindable))).every(Boolean)) return null;
  if (!inNamedNetns())
    return `needs ${ALL.join(', ')} on lo: run it in a network namespace (ip netns exec NAME node --import tsx --test …), where it adds them`;
  for (const a of ALL) {
    try {
      execFileSync('ip', ['-6', 'addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad'], { stdio: 'ignore' });
    } catch {
      /* already there, or no permission: checked below */
    }
  }
  if ((await Promise.all(ALL.map(bindable))).every(Boolean)) return null;
  return `could not add ${ALL.join(', ')} to lo in this network namespace (needs CAP_NET_ADMIN)`;
}
