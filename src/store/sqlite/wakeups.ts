/**
 * Wake-ups on SQLite: nothing to listen to. A SQLite database has one relay, and that relay wakes its own
 * scheduler after intake commits (src/main.ts); its scheduler's poll finds anything else that came due.
 */
import type { WakeupStore } from '../store.js';

export const noWakeups: WakeupStore = {
  subscribe: () => ({ close: async () => {} }),
};
