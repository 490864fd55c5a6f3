import { VendingDependencies } from './dependencies';
import { UpstreamFailureError, VendingError } from './errors';
import { OperationJournal } from './ports';

/**
 * True when a failed Graph write certainly changed nothing: our own refusal or Graph's (4xx, throttling included, also
 * when answered as a 502 because the caller cannot fix it). After a 5xx, a dropped connection or the deadline a
 * non-idempotent write may still have happened, so it is looked for and undone, or its intent stays open for the scan.
 */
export function certainlyNotApplied(error: unknown): boolean {
  if (error instanceof UpstreamFailureError) return error.refused;
  return error instanceof VendingError && error.status < 500;
}

/**
 * Writes one step of an operation's record once Graph has acted. A ledger failure there must not fail the request
 * (the change is made; the answer is right): it is told to the operator, and the record stays open, so the expiry scan
 * finds it and reconciles it.
 */
export async function journalStep(
  deps: Pick<VendingDependencies, 'warn'>,
  journal: OperationJournal,
  step: (journal: OperationJournal) => Promise<void>,
  details: Record<string, string>,
): Promise<void> {
  try {
    await step(journal);
  } catch {
    deps.warn('The ledger could not record a step of an operation; the expiry scan will reconcile it.', {
      ...details,
      operationRecord: journal.id,
    });
  }
}

/** After a failed Graph write: closes the record if nothing was made, else leaves it open for the scan. */
export async function journalGraphFailure(
  deps: Pick<VendingDependencies, 'warn'>,
  journal: OperationJournal,
  error: unknown,
  details: Record<string, string>,
): Promise<void> {
  if (certainlyNotApplied(error)) await journalStep(deps, journal, (j) => j.abandoned(), details);
}
