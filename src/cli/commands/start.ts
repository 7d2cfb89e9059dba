/**
 * `mailtrail start`: runs the relay until SIGTERM/SIGINT, then shuts down gracefully (stops accepting,
 * lets running deliveries finish within a bound, releases leases, closes the database).
 */
import { startRelay } from '../../main.js';
import { configPath, loadCliConfig } from '../context.js';
import { parseCommandArgs } from '../usage.js';

export const summary = 'run the relay (submission, queue, delivery, bounces, API)';
const USAGE = 'mailtrail start [--config FILE]';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('start', argv, { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
  if (values.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  const file = configPath(values.config);
  const config = loadCliConfig(values.config);
  const relay = await startRelay(config, { configFile: file });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
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
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
