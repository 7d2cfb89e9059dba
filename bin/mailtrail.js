#!/usr/bin/env node
// Entry point of the `mailtrail` command. The sources are TypeScript; tsx compiles them on load
// (esbuild, cached), so there is no build step between a checkout and a running relay.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
