import { CallBudget, remainingMs } from './deadline';
import { VendingDependencies } from './dependencies';
import { DeadlineExceededError, NotFoundError } from './errors';
import { journalStep } from './operationJournal';
import { OperationJournal, PasswordCredentialInfo, PasswordRequest } from './ports';
import { disableCredentialVersions, settleSlot, slotSecretName } from './secretSlots';

/** First pause between two looks for a write whose answer was lost; doubled each time, capped. */
const FIRST_PAUSE_MS = 250;
const MAX_PAUSE_MS = 4_000;
/** How long to keep looking when the budget sets no end (outside a request). */
const UNBOUNDED_LOOK_MS = 45_000;

/**
 * True when a failed call may still take effect later: it was cut off at the deadline while in flight, so the service
 * may apply it after we stopped listening. (A 5xx or a dropped connection came back: by then the write was applied or
 * not, and one look finds out.)
 */
export function mayLandLater(error: unknown): boolean {
  return error instanceof DeadlineExceededError;
}

/**
 * Looks for the effect of a write whose answer was lost: `look` returns true once it has found (and undone) it. With
 * `keepLooking`, it looks again with growing pauses until the budget ends (a write in flight may land late); otherwise
 * once. Returns whether it found it.
 */
export async function lookForLostWrite(
  deps: Pick<VendingDependencies, 'clock' | 'sleep'>,
  budget: CallBudget,
  keepLooking: boolean,
  look: () => Promise<boolean>,
): Promise<boolean> {
  const startedAt = deps.clock().getTime();
  const endsAt = Number.isFinite(budget.endsAt) ? budget.endsAt : startedAt + UNBOUNDED_LOOK_MS;
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(MAX_PAUSE_MS, pause * 2)) {
    if (await look()) return true;
    const left = remainingMs({ ...budget, endsAt }, deps.clock().getTime());
    if (!keepLooking || left <= 0 || budget.signal.aborted) return false;
    await deps.sleep(Math.min(pause, left), budget.signal).catch(() => undefined);
  }
}

/** Same window, to the millisecond, and the same slot: the credential a lost addPassword made. */
function madeBy(plan: PasswordRequest): (c: PasswordCredentialInfo) => boolean {
  return (c) =>
    c.displayName === plan.displayName &&
    Date.parse(c.startDateTime) === plan.startDateTime.getTime() &&
    Date.parse(c.endDateTime) === plan.endDateTime.getTime();
}

/** What a rollback of an issued password must undo. */
export interface PasswordRollback {
  appId: string;
  /** The credential, when Graph's answer named it; otherwise it is looked for by its slot and window. */
  keyId?: string;
  plan: PasswordRequest;
  /** The addPassword whose answer was lost (absent when its answer came). */
  addPasswordError?: unknown;
  /** The vault write that may have stored its secret anyway (its answer lost), if one was attempted and failed. */
  storeError?: unknown;
}

/**
 * Undoes a password issued on an existing app, on the compensation budget (beyond the request's deadline): removes the
 * credential (found by its slot and window when addPassword's answer was lost) and disables any vault version of it
 * that a lost vault write may have stored, then points the slot back at its newest live credential. Records
 * `compensated`, or `compensationFailed` naming the step (the scan finishes it) and tells the operator.
 */
export async function rollBackPassword(
  deps: VendingDependencies,
  journal: OperationJournal,
  rollback: PasswordRollback,
  budget: CallBudget,
): Promise<void> {
  const { appId, plan } = rollback;
  let keyId = rollback.keyId;
  let step = 'removePassword';
  try {
    if (!keyId) {
      const lost = rollback.addPasswordError;
      await lookForLostWrite(deps, budget, mayLandLater(lost), async () => {
        const app = await deps.directory.getOwnedApplication(appId, budget);
        keyId = app.passwordCredentials.find(madeBy(plan))?.keyId;
        return keyId !== undefined;
      });
    }
    if (keyId) {
      const id = keyId;
      await deps.directory.removePassword(appId, id, budget).catch((error: unknown) => {
        if (!(error instanceof NotFoundError)) throw error;
      });
      const name = slotSecretName(appId, plan.displayName);
      if (name && rollback.storeError !== undefined) {
        step = 'disableVersion';
        const stored = await lookForLostWrite(deps, budget, mayLandLater(rollback.storeError), async () => {
          return (await disableCredentialVersions(deps.secretStore, name, id, budget)).length > 0;
        });
        if (stored) {
          step = 'restoreSlot';
          const live = (await deps.directory.getOwnedApplication(appId, budget)).passwordCredentials;
          await settleSlot(deps.secretStore, name, new Set(live.map((c) => c.keyId)), budget);
        }
      }
    }
  } catch {
    const details = { appId, ...(keyId ? { keyId } : {}) };
    deps.warn('A credential was issued but could not be stored, and undoing it did not finish; the expiry scan will.', {
      ...details,
      step,
    });
    await journalStep(deps, journal, (j) => j.compensationFailed({ ...details, step }), details);
    return;
  }
  const undone = { appId, ...(keyId ? { keyId } : {}) };
  if (keyId || rollback.addPasswordError === undefined) {
    await journalStep(deps, journal, (j) => j.compensated(undone), undone);
  } else {
    // Nothing was found: the addPassword did not take effect (or lands after the budget: the open intent, which names
    // the slot and window, is left for the scan).
    if (mayLandLater(rollback.addPasswordError)) return;
    await journalStep(deps, journal, (j) => j.abandoned(), undone);
  }
}
