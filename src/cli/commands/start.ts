/**
 * `mailtrail start`: runs the relay until SIGTERM/SIGINT, then shuts down gracefully (stops accepting,
 * lets running deliveries finish within a bound, releases leases, closes the database).
 */
import { startRelay } from '../../main.js';
import { configPath, loadCliConfig } from '../context.js';
import { parseCommandArgs, type CommandSpec } from '../usage.js';

const SPEC: CommandSpec = { name: 'start', usage: 'mailtrail start [--config FILE]' };

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
  try {
    const relay = await startRelay(config, { configFile: file });
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
  }
}
