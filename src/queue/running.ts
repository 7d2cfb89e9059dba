/**
 * The jobs the scheduler has started and not yet recorded, each with the promise of its run: what `stop()`
 * waits for and what the heartbeat renews.
 *
 * Why not a Map of job to promise: with a delivery per message, an entry comes and goes per message, and V8
 * rebuilds a Map's hash table every few additions; the table it leaves behind in the old generation still
 * points to every job it held, and every scavenge takes those pointers for roots. The delivery thread then
 * promoted the jobs' claimed rows, verdicts and records, about 1 KB per message (docs/benchmarks.md,
 * 2026-12-05 06:25). Here two arrays hold the entries; a deleted entry's slot takes the last one, and
 * `pop` leaves no pointer behind. Finding an entry is a scan, over at most `delivery.max_connections` jobs.
 */
export class RunningJobs<J> {
  private readonly started: J[] = [];
  private readonly promises: Promise<void>[] = [];

  get size(): number {
    return this.started.length;
  }

  add(job: J, run: Promise<void>): void {
    this.started.push(job);
    this.promises.push(run);
  }

  delete(job: J): boolean {
    const i = this.started.indexOf(job);
    if (i < 0) return false;
    const lastJob = this.started.pop() as J;
    const lastRun = this.promises.pop() as Promise<void>;
    if (i < this.started.length) {
      this.started[i] = lastJob;
      this.promises[i] = lastRun;
    }
    return true;
  }

  /** Snapshots: a job that ends while the caller awaits them changes neither. */
  jobs(): J[] {
    return this.started.slice();
  }

  runs(): Promise<void>[] {
    return this.promises.slice();
  }
}
