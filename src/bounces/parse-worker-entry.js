// Entry of the bounce-parse thread (src/bounces/parse-thread.ts) when run from src/ under tsx (tests):
// a worker thread does not inherit the main thread's TypeScript loader, so tsx's tsImport compiles the
// real module here. A build (dist/, bin/mailtrail.js) starts the compiled module directly (src/thread-entry.ts).
import { tsImport } from 'tsx/esm/api';

await tsImport('./parse-worker.ts', import.meta.url);
