import { IdempotencyStore, Ledger, OperationJournal } from '../src/vending/ports';

/**
 * A ledger that records nothing and an idempotency store that never finds a key: the API as it was before the ledger,
 * so the bench can measure what the ledger costs. Bench only; the product always has a ledger.
 */
export function unrecordedLedger(): { ledger: Ledger; idempotency: IdempotencyStore } {
  const done = (): Promise<void> => Promise.resolve();
  const journal: OperationJournal = {
    id: 'unrecorded',
    issued: done,
    completed: done,
    abandoned: done,
    compensated: done,
    compensationFailed: done,
    unfinished: done,
  };
  return {
    ledger: {
      beginOperation: () => Promise.resolve(journal),
      recordRequest: done,
      // eslint-disable-next-line require-yield -- nothing is ever interrupted here
      async *listInterrupted() {
        return Promise.resolve();
      },
      resolveInterrupted: done,
      findOpenOperations: () => Promise.resolve([]),
      findIssuedCredential: () => Promise.resolve(undefined),
      queryRequests: () => Promise.resolve({ records: [] }),
    },
    idempotency: {
      create: () => Promise.resolve('unrecorded'),
      read: () => Promise.resolve(undefined),
      replace: () => Promise.resolve('unrecorded'),
      remove: () => Promise.resolve(true),
      purgeExpired: () => Promise.resolve(0),
    },
  };
}
