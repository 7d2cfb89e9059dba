// Preloaded into the relay by the benchmark (node --import, which worker threads inherit): counts the
// queries each thread sends to PostgreSQL. node-postgres does not pipeline here, so each query is one round
// trip, however many statements its text holds. Each thread writes its count to
// $BENCH_ROUND_TRIPS_DIR/<pid>-<thread>.json every second and when it exits; the benchmark adds them up.
// Plain JavaScript: it is loaded before tsx is.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import pg from 'pg';

const dir = process.env.BENCH_ROUND_TRIPS_DIR;
if (dir) {
  let count = 0;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(...args) {
    count++;
    return query.apply(this, args);
  };
  const file = path.join(dir, `${process.pid}-${threadId}.json`);
  const write = () => writeFileSync(file, JSON.stringify({ queries: count }));
  setInterval(write, 1000).unref();
  process.on('exit', write);
}
