/**
 * The file a worker thread starts from. Compiled (dist/, what bin/mailtrail.js runs), the thread's module
 * is JavaScript beside the caller and loads as it is. Run from src/ under tsx (tests, the benchmark's own
 * code), a worker does not inherit the main thread's TypeScript loader: the thread starts from a small
 * plain-JavaScript entry beside it, `<module>-entry.js`, which compiles the module with tsx's tsImport.
 */
export function threadEntry(module: string, callerUrl: string): URL {
  return new URL(callerUrl.endsWith('.ts') ? `./${module}-entry.js` : `./${module}.js`, callerUrl);
}
