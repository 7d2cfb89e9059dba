/** The store could not do what was asked (open, migrate, read, write); the message says what to do. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
