// Entry of the delivery thread (src/queue/delivery-thread.ts). Plain JavaScript because a worker thread
// does not inherit the main thread's TypeScript loader: tsx's tsImport compiles the real module here.
import { tsImport } from 'tsx/esm/api';

await tsImport('./delivery-worker.ts', import.meta.url);
