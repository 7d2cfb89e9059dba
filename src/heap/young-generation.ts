/**
 * The size of the young generation (the two semi-spaces new objects are made in), held for the relay's
 * process from inside it.
 *
 * V8 sizes the main thread's heap when the process starts (semi-spaces of up to 16 MB here) and grows the
 * semi-spaces, doubling, whenever enough has survived its scavenges; any long burst takes them to their
 * maximum: 32 MB resident in the main thread, the largest part of its heap during a deferral burst
 * (docs/benchmarks.md, issue 17). Only `--max-semi-space-size` on node's command line caps that, and the
 * relay runs inside the process it was started in (bin/mailtrail.js, `npm start`, the Dockerfile). What
 * can change at run time is the growth step, `--semi-space-growth-factor`, which V8 reads at each growth:
 * set to 1, no semi-space grows; set to `target / current`, the next growth lands on the target.
 *
 * The flag is process-wide, so every thread started afterwards is given its young generation whole from the
 * start (`--min-semi-space-size`, read when a thread's heap is made and capped by the thread's own maximum,
 * e.g. the delivery thread's resourceLimits): such a thread never needs to grow, and the steering below,
 * which follows the main thread alone, changes nothing for it.
 *
 * The main thread is steered after each of its collections: a growth factor that lands on `semiSpaceMb`
 * while it is below, 1 once it is there. V8 shrinks idle semi-spaces (to as little as 1 MB); the next
 * burst grows them back to the target, not beyond.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const MB = 1024 * 1024;

/** The main thread's semi-space capacity in MB (the space V8 allocates new objects in, without page headers). */
export function semiSpaceMb(): number {
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  // used + available is the capacity of one semi-space less its pages' headers (about 1 %): rounded up to
  // whole MB, it is the size V8 was asked for.
  return space ? Math.ceil((space.space_used_size + space.space_available_size) / MB) : 0;
}

/** The growth factor that takes a `current` MB semi-space to `target` MB in one growth, or keeps it (1). */
export function growthFactor(current: number, target: number): number {
  return current >= target ? 1 : Math.max(2, Math.ceil(target / Math.max(1, current)));
}

function wholeMb(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 64) throw new RangeError(`${name} must be a whole number of MB from 1 to 64 (got ${value})`);
  return value;
}

/**
 * From now on no semi-space grows until a thread starts (V8 then puts the growth factor back to its
 * default): the main thread's stays as it is, 1 MB when called first thing. With `threadSemiSpaceMb`, every
 * thread started later has semi-spaces of that size from its start (or its own maximum, if smaller).
 * bin/mailtrail.js calls it before anything loads: loading the relay's modules keeps megabytes alive in one
 * go, which grew the main thread's semi-spaces to 8 MB before `start` could act.
 */
export function pinYoungGeneration(opts: { threadSemiSpaceMb?: number } = {}): void {
  if (opts.threadSemiSpaceMb !== undefined) v8.setFlagsFromString(`--min-semi-space-size=${wholeMb('threadSemiSpaceMb', opts.threadSemiSpaceMb)}`);
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Lets the main thread's semi-spaces grow to `semiSpaceMb` and no further: after each of its collections,
 * the growth factor that lands on the target while below it, 1 once there. Returns a function that stops
 * steering (the factor stays where it was: pinned at the target, or growing to it once more).
 */
export function steerMainYoungGeneration(opts: { semiSpaceMb: number }): () => void {
  const target = wholeMb('semiSpaceMb', opts.semiSpaceMb);
  // Set after every collection, not only when it changes: starting a thread (the bounce parser's is started
  // on the first bounce, and again after a failure) puts the factor back to V8's default of 2.
  const steer = () => v8.setFlagsFromString(`--semi-space-growth-factor=${growthFactor(semiSpaceMb(), target)}`);
  steer();
  // GC entries reach JavaScript after the collection, once the current task ends. Between a growth to the
  // target and the steering that stops the next one, a whole target's worth more must survive (V8 grows
  // only then): one task of the running relay (an SMTP command, a batch of log lines or feed rows) does not
  // keep that much.
  const observer = new PerformanceObserver(steer);
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
