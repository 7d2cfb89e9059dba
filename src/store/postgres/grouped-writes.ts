/**
 * Group commit for writes that arrive from many jobs at once: while one statement is on its way, the writes
 * that come meanwhile wait and then go together in the next one, so that a burst of N writes costs a few
 * statements, round trips and WAL flushes instead of N. The first write of a quiet moment goes at once (no
 * timer), so a lone write waits for nothing. Each caller still hears about its own write only: when a
 * grouped statement fails, each of its writes is tried again alone, so that one bad write does not fail the
 * others (and a passing failure, such as a lost connection, reaches each caller as it would have alone).
 */
export interface GroupedWrites<W, R> {
  /** Resolves with this write's result once the statement that carried it has committed. */
  write(w: W): Promise<R>;
}

export interface GroupOptions<W> {
  /** Statements in flight at once; further writes wait for one to end, then go together. */
  parallel: number;
  /** Writes per statement at most. */
  maxGroup: number;
  /** A write that must go alone (its statement cannot carry others). */
  alone?: (w: W) => boolean;
}

interface Waiting<W, R> {
  w: W;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

/** `writeGroup` writes its writes in one statement and returns their results in the same order. */
export function groupedWrites<W, R>(writeGroup: (ws: W[]) => Promise<R[]>, opts: GroupOptions<W>): GroupedWrites<W, R> {
  const queue: Waiting<W, R>[] = [];
  let inFlight = 0;

  const take = (): Waiting<W, R>[] => {
    const first = queue[0]!;
    if (opts.alone?.(first.w)) return queue.splice(0, 1);
    let n = 1;
    while (n < queue.length && n < opts.maxGroup && !opts.alone?.(queue[n]!.w)) n++;
    return queue.splice(0, n);
  };

  const run = async (group: Waiting<W, R>[]): Promise<void> => {
    try {
      const results = await writeGroup(group.map((g) => g.w));
      group.forEach((g, i) => g.resolve(results[i]!));
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err);
      await Promise.all(
        group.map((g) =>
          writeGroup([g.w]).then(
            ([r]) => g.resolve(r!),
            (e: unknown) => g.reject(e),
          ),
        ),
      );
    }
  };

  const pump = () => {
    while (inFlight < opts.parallel && queue.length) {
      inFlight++;
      void run(take()).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  return {
    write(w) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ w, resolve, reject });
        pump();
      });
    },
  };
}
