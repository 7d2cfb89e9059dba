#!/usr/bin/env node
// Entry point of `npm run bench`. Like bin/mailtrail.js, tsx compiles the TypeScript on load, so the
// benchmark runs from a checkout with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../bench/run.ts');
