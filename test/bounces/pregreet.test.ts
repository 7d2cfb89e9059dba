/** The bounce listener's early-talker check (port 25 is open to anyone, unlike submission). */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { createInboundListener } from '../../src/bounces/listener.js';
import { silentLogger } from '../../src/log/logger.js';
import { tempStore, testConfig } from './support.js';

async function firstReply(port: number, talkFirst: boolean): Promise<{ text: string; ms: number }> {
  const socket = net.connect({ host: '127.0.2.1', port });
  await once(socket, 'connect');
  const start = performance.now();
  if (talkFirst) socket.write('EHLO bot.example\r\n');
  let text = '';
  while (!text.includes('\r\n')) text += (await once(socket, 'data'))[0].toString('latin1');
  socket.destroy();
  return { text, ms: performance.now() - start };
}

test('a client that talks before the greeting is refused with 421; one that waits is greeted', async () => {
  const t = tempStore();
  const listener = createInboundListener({ config: testConfig(t.dbPath, { pregreet_wait_ms: 300 }), store: t.store, logger: silentLogger() });
  const { port } = await listener.listen();
  try {
    const bot = await firstReply(port, true);
    assert.match(bot.text, /^421 .*talk too soon/i);
    const mta = await firstReply(port, false);
    assert.match(mta.text, /^220 /);
    assert.ok(mta.ms >= 250, `greeted after ${mta.ms.toFixed(0)} ms, not before the configured wait`);
  } finally {
    await listener.close();
    await t.cleanup();
  }
});

test('pregreet_wait_ms: 0 greets at once', async () => {
  const t = tempStore();
  const listener = createInboundListener({ config: testConfig(t.dbPath, { pregreet_wait_ms: 0 }), store: t.store, logger: silentLogger() });
  const { port } = await listener.listen();
  try {
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await firstReply(port, false));
    assert.ok(replies.every((r) => r.text.startsWith('220 ')));
    const fastest = Math.min(...replies.map((r) => r.ms));
    assert.ok(fastest < 50, `greeted after ${fastest.toFixed(1)} ms`);
  } finally {
    await listener.close();
    await t.cleanup();
  }
});
