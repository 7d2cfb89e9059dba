/**
 * `mailtrail start`: runs the relay until SIGTERM/SIGINT, then shuts down gracefully (stops accepting,
 * lets running deliveries finish within a bound, releases leases, closes the database). SIGHUP reloads.
 */
import { pinYoungGeneration, steerMainYoungGeneration } from '../../heap/young-generation.js';
import { configPath, loadCliConfig } from '../context.js';
import { parseCommandArgs, type CommandSpec } from '../usage.js';

const SPEC: CommandSpec = { name: 'start', usage: 'mailtrail start [--config FILE]' };

/**
 * Semi-spaces of the relay's threads (src/heap/young-generation.ts). The main thread's would otherwise grow
 * to 16 MB each under a burst (32 MB resident); 4 MB keep what lives for an SMTP round trip young. Threads
 * get 8 MB from their start, the delivery thread's maximum (src/queue/delivery-thread.ts).
 */
const MAIN_SEMI_SPACE_MB = 4;
const THREAD_SEMI_SPACE_MB = 8;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(SPEC, argv, { config: { type: 'string' } });
  const file = configPath(values.config);
  const config = loadCliConfig(values.config);
  // Signals are caught from the start: one that arrives while the parts are starting stops them as soon
  // as they are up, instead of killing the process half-way.
  let signalled: NodeJS.Signals | null = null;
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    signalled ??= signal;
  };
  const handler = (signal: NodeJS.Signals) => onSignal(signal);
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  // SIGHUP reloads (log.file reopened after rotation, the certificate read again); Node's default ends the process.
  // One that comes while the relay starts is done once it has (a log rotated then is reopened); reloads never overlap.
  let relayReload: (() => Promise<void>) | null = null;
  let reloading: Promise<void> | null = null;
  let again = false;
  const hangup = () => {
    if (!relayReload) {
      again = true;
      return;
    }
    if (reloading) {
      again = true;
      return;
    }
    reloading = relayReload().finally(() => {
      reloading = null;
      if (again) {
        again = false;
        hangup();
      }
    });
  };
  process.on('SIGHUP', hangup);
  // A SIGHUP that bin/mailtrail.js noted before this handler existed.
  if ((globalThis as { mailtrailEarlyHangup?: boolean }).mailtrailEarlyHangup) again = true;
  // Before the relay's modules load (imported here, not above, for that reason) and its threads start.
  pinYoungGeneration({ threadSemiSpaceMb: THREAD_SEMI_SPACE_MB });
  try {
    const { startRelay } = await import('../../main.js');
    const relay = await startRelay(config, { configFile: file });
    relayReload = () => relay.reload();
    if (again) {
      again = false;
      hangup();
    }
    steerMainYoungGeneration({ semiSpaceMb: MAIN_SEMI_SPACE_MB });
    return await new Promise<number>((resolve) => {
      let stopping = false;
      onSignal = (signal) => {
        if (stopping) {
          // A second signal: the operator will not wait for running deliveries (their leases expire and they are retried).
          process.stderr.write(`mailtrail: second ${signal}, exiting now\n`);
          process.exit(1);
        }
        stopping = true;
        relay.logger.info({ event: 'relay.stopping', signal }, `received ${signal}, shutting down`);
        relay.stop().then(
          () => resolve(0),
          (err: unknown) => {
            process.stderr.write(`mailtrail: error while stopping: ${(err as Error).message}\n`);
            resolve(1);
          },
        );
      };
      if (signalled) onSignal(signalled);
    });
  } finally {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
    process.off('SIGHUP', hangup);
  }
}
