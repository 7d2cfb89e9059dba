/**
 * A host that accepts TCP connections and says nothing (a tarpit, a hung MTA): a session there waits until its
 * greeting timeout. With `passTo`, it can be switched to forward new connections to a real server instead
 * (`silent = false`), to test a server that comes back.
 */
import net from 'node:net';

export interface SilentHost {
  /** While true (the default) connections get no word; else they are passed to `passTo`. */
  silent: boolean;
  /** Connections accepted so far. */
  accepted: number;
  stop(): Promise<void>;
}

export async function startSilentHost(host: string, port = 25, passTo?: { host: string; port: number }): Promise<SilentHost> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    state.accepted++;
    sockets.add(inbound);
    inbound.on('error', () => undefined);
    inbound.on('close', () => sockets.delete(inbound));
    if (state.silent || !passTo) return;
    const outbound = net.connect(passTo.port, passTo.host);
    sockets.add(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    outbound.on('error', () => inbound.destroy());
    outbound.on('close', () => {
      sockets.delete(outbound);
      inbound.end();
    });
  });
  const state: SilentHost = {
    silent: true,
    accepted: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return state;
}
