import { VendingError } from '../errors';

/** Another scan holds the lock (the timer, an on-demand scan or the CLI): only one acts at a time. */
export class ScanInProgressError extends VendingError {
  readonly status = 409;
  readonly code = 'ScanInProgress';
  constructor(override readonly retryAfterSeconds: number) {
    super('Another expiry scan is running; try again when it has finished.');
  }
}

/** The lock expired and another run took it; this run stops acting at once. */
export class ScanLockLostError extends VendingError {
  readonly status = 409;
  readonly code = 'ScanLockLost';
  constructor() {
    super('The expiry scan lost its lock to another run and stopped.');
  }
}
