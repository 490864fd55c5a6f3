import { VendingDependencies } from './dependencies';
import { NotFoundError, OperationUnfinishedError, VendingError } from './errors';
import { journalGraphFailure, journalStep } from './operationJournal';
import { requireManageable } from './ownership';
import {
  IssuedCredentialRecord,
  OperationJournal,
  OperationName,
  OperationResult,
  PendingStep,
  RequestContext,
  TaggedApplication,
} from './ports';
import { CallBudget } from './deadline';

/** Where the vault held a revoked credential, as the ledger records it (empty when the API did not store it). */
export type VaultTarget = Pick<
  OperationResult,
  'secretName' | 'secretVersion' | 'certificateName' | 'certificateVersion'
>;

/** A credential of an app as Graph lists it: what revoking it needs to know. */
export interface RevocableCredential {
  keyId: string;
  displayName: string | null;
}

/** Retry-After of an unfinished revocation when the vault said nothing: soon, since a retry finishes it. */
const UNFINISHED_RETRY_AFTER_SECONDS = 5;

/** A revocation whose vault step failed: which step, and why (the underlying domain error). */
export class RevocationUnfinished extends Error {
  constructor(
    readonly step: PendingStep['step'],
    override readonly cause: unknown,
  ) {
    super(`revocation unfinished at ${step}`);
    this.name = 'RevocationUnfinished';
  }

  /** The answer for the caller: retry to finish; the credential itself is already gone. */
  toCallerError(): OperationUnfinishedError {
    const retryAfter =
      this.cause instanceof VendingError && this.cause.retryAfterSeconds !== undefined
        ? this.cause.retryAfterSeconds
        : UNFINISHED_RETRY_AFTER_SECONDS;
    return new OperationUnfinishedError(
      this.step === 'disableVersion'
        ? 'The credential was removed from the application, but the vault version holding it could not be disabled yet. Retry the same request to finish it (the expiry scan also finishes it).'
        : "The credential was revoked, but the slot's versionless reference could not be pointed back at the newest live credential yet. Retry the same request to finish it (the expiry scan also finishes it).",
      retryAfter,
      'keyVault',
    );
  }
}

/** A kind of credential to revoke: the app's credentials of that kind and the steps that revoke one. */
export interface Revocation<C extends RevocableCredential, R extends VaultTarget = VaultTarget> {
  operation: Extract<OperationName, 'revokeSecret' | 'revokeCertificate'>;
  /** The app's credentials of this kind, read with the app. */
  credentials: readonly C[];
  /** Where the vault holds a credential still on the app (the name only), if this product names its slot. */
  locate(credential: C): VaultTarget;
  /** Where the vault holds a credential this product issued, as the ledger recorded it (a credential gone from the app). */
  recorded(issued: IssuedCredentialRecord): VaultTarget | undefined;
  /** Removes the credential from the app in Entra (the Graph write); already gone is NotFoundError. */
  removeFromApp(credential: C, budget: CallBudget): Promise<void>;
  /**
   * Disables every vault version holding the credential (and whatever else its kind must do, e.g. settle a secret's
   * slot); idempotent. `liveKeyIds` are the app's other credentials of this kind. Says which version it held; throws
   * {@link RevocationUnfinished} naming the step the vault did not let finish.
   */
  finishInVault(
    revoked: { keyId: string; vault: VaultTarget },
    liveKeyIds: ReadonlySet<string>,
    budget: CallBudget,
  ): Promise<R>;
}

/** The credentials other than the one being revoked. */
export function otherKeyIds(credentials: readonly RevocableCredential[], revoked: string): Set<string> {
  return new Set(credentials.map((c) => c.keyId).filter((k) => k.toLowerCase() !== revoked.toLowerCase()));
}

/** Closes the open records of earlier attempts at the same revocation, now that this one finished it. */
async function closeEarlierAttempts(
  deps: Pick<VendingDependencies, 'ledger' | 'warn'>,
  journal: OperationJournal,
  operation: OperationName,
  target: { appId: string; keyId: string },
  resolvedBy: string,
): Promise<void> {
  try {
    const open = await deps.ledger.findOpenOperations({ operation, ...target });
    for (const earlier of open.filter((o) => o.id !== journal.id)) {
      await deps.ledger.resolveInterrupted(earlier, { outcome: 'completed', resolvedBy, ...target });
    }
  } catch {
    deps.warn('Earlier attempts of a finished revocation stay open in the ledger; the expiry scan will close them.', {
      ...target,
    });
  }
}

/**
 * Revokes credential `keyId` (matched case-insensitively) of an app this identity owns, as just read with its tags
 * and credentials. Who may is decided first, before anything is written ahead: a caller that may not manage the app,
 * or an app without such a credential that this product never issued, gets the same NotFoundError. Then, written
 * ahead to the ledger: the intent (app, keyId, slot) before the Graph removal; a removal Graph surely refused closes it,
 * one that may have happened leaves it open; the progress once removed; the completion, naming the vault version,
 * after the vault steps.
 *
 * Idempotent and finishing: a credential already gone from Entra is not a 404 when the ledger says this product stored
 * it: the remaining vault steps are done and the answer is the same. Once the credential is removed, the vault steps
 * run on the compensation budget, past the request's deadline if need be — a revoked credential must not stay usable
 * from the vault because the request ran out of time. If the vault still does not let them finish, the record stays
 * open as `unfinished` with the pending step (for a retry or the expiry scan) and the caller gets a 503 to retry; the
 * retry that finishes closes the earlier attempts' records.
 */
export async function revokeCredential<C extends RevocableCredential, R extends VaultTarget>(
  deps: Pick<VendingDependencies, 'ledger' | 'warn'>,
  context: RequestContext,
  application: Pick<TaggedApplication, 'appId' | 'tags'>,
  keyId: string,
  revocation: Revocation<C, R>,
): Promise<{ keyId: string; inVault: R }> {
  requireManageable(context.caller, application);
  const { appId } = application;
  const credential = revocation.credentials.find((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
  const revoked = credential
    ? { keyId: credential.keyId, vault: revocation.locate(credential) }
    : await previouslyIssued(deps, revocation, appId, keyId);
  const target = { appId, keyId: revoked.keyId };
  const journal = await deps.ledger.beginOperation({
    operation: revocation.operation,
    context: context.trace,
    ...target,
    ...(credential?.displayName ? { credentialDisplayName: credential.displayName } : {}),
  });
  if (credential) {
    try {
      await revocation.removeFromApp(credential, context.deadline.forward);
    } catch (error) {
      // Gone meanwhile (a concurrent revocation): the vault steps are still this request's to finish.
      if (!(error instanceof NotFoundError)) {
        await journalGraphFailure(deps, journal, error, target);
        throw error;
      }
    }
    await journalStep(deps, journal, (j) => j.issued(target), target);
  }
  let inVault: R;
  try {
    const live = otherKeyIds(revocation.credentials, revoked.keyId);
    inVault = await revocation.finishInVault(revoked, live, context.deadline.compensation());
  } catch (error) {
    if (!(error instanceof RevocationUnfinished)) throw error;
    const pending = { ...target, ...vaultNames(revoked.vault) };
    deps.warn('A revocation could not finish its vault step; a retry or the expiry scan will.', {
      ...pending,
      step: error.step,
    });
    await journalStep(deps, journal, (j) => j.unfinished({ ...pending, step: error.step }), target);
    throw error.toCallerError();
  }
  const { secretName, secretVersion, certificateName, certificateVersion } = { ...revoked.vault, ...inVault };
  const result = defined({ secretName, secretVersion, certificateName, certificateVersion });
  await journalStep(deps, journal, (j) => j.completed({ ...target, ...result }), target);
  await closeEarlierAttempts(deps, journal, revocation.operation, target, `request ${context.trace.correlationId}`);
  return { keyId: revoked.keyId, inVault };
}

/** The members of `values` that are set. */
function defined<T extends Record<string, string | undefined>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The names (no versions) of a vault target: what a pending step concerns. */
function vaultNames(vault: VaultTarget): Pick<PendingStep, 'secretName' | 'certificateName'> {
  return {
    ...(vault.secretName ? { secretName: vault.secretName } : {}),
    ...(vault.certificateName ? { certificateName: vault.certificateName } : {}),
  };
}

/**
 * A credential no longer on the app: revocable (its vault steps to finish) only if this product issued and stored it,
 * as the ledger recorded when it did. Otherwise there is nothing of it to revoke: 404.
 */
async function previouslyIssued<C extends RevocableCredential, R extends VaultTarget>(
  deps: Pick<VendingDependencies, 'ledger'>,
  revocation: Revocation<C, R>,
  appId: string,
  keyId: string,
): Promise<{ keyId: string; vault: VaultTarget }> {
  const issued = await deps.ledger.findIssuedCredential(appId, keyId);
  const vault = issued ? revocation.recorded(issued) : undefined;
  if (!issued || !vault) throw new NotFoundError(`Application ${appId} has no credential with keyId ${keyId}.`);
  return { keyId: issued.keyId, vault: { ...vaultNames(vault) } };
}
