/**
 * Suppression checks of messages taken in at the same moment, read together: every check asked during one
 * turn of the event loop becomes one read of the list at the end of the turn. On a database across the
 * network (PostgreSQL) each read is a round trip, one per message before; under load several sessions
 * finish their DATA in the same turn. The answers are the same as one read each: the list is read after
 * every check was asked.
 */
import type { SuppressionList } from './list.js';
import { suppressionKey } from './list.js';

type Lookup = Pick<SuppressionList, 'suppressedAmong'>;

export function batchedLookups(list: Lookup): Lookup {
  let batch: { keys: Set<string>; answer: Promise<Set<string>> } | null = null;
  return {
    async suppressedAmong(addresses) {
      if (!batch) {
        const keys = new Set<string>();
        const answer = new Promise<Set<string>>((resolve, reject) => {
          setImmediate(() => {
            batch = null;
            list.suppressedAmong([...keys]).then(resolve, reject);
          });
        });
        batch = { keys, answer };
      }
      const mine = addresses.map(suppressionKey);
      for (const k of mine) batch.keys.add(k);
      const listed = await batch.answer;
      return new Set(mine.filter((k) => listed.has(k)));
    },
  };
}
