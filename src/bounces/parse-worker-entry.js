// Entry of the bounce-parse thread (src/bounces/parse-thread.ts). Plain JavaScript because a worker
// thread does not inherit the main thread's TypeScript loader: tsx's tsImport compiles the real module.
import { tsImport } from 'tsx/esm/api';

await tsImport('./parse-worker.ts', import.meta.url);
