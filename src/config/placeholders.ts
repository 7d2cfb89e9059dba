/**
 * Secrets left at the value config/mailtrail.example.yaml shows. That file is public, so a relay running
 * with its VERP secret accepts bounces anyone can forge (each one marks a recipient bounced and
 * suppresses the address), and a webhook receiver checking that secret accepts anyone's POSTs.
 * The relay still starts (the example is meant to load as it is) but says so at start.
 */
import type { Config } from './schema.js';

/** The placeholder the example config gives every secret. */
export const EXAMPLE_SECRET = 'change-me-to-a-long-random-string';

/** The keys whose value is still the example's placeholder. */
export function placeholderSecrets(config: Pick<Config, 'bounces' | 'webhooks'>): string[] {
  const keys: string[] = [];
  if (config.bounces.verp_secret === EXAMPLE_SECRET) keys.push('bounces.verp_secret');
  config.webhooks.endpoints.forEach((e, i) => {
    if (e.secret === EXAMPLE_SECRET) keys.push(`webhooks.endpoints.${i}.secret`);
  });
  return keys;
}
