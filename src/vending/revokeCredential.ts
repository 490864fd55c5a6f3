import { VendingDependencies } from './dependencies';
import { NotFoundError } from './errors';
import { journalGraphFailure, journalStep } from './operationJournal';
import { requireManageable } from './ownership';
import { OperationName, OperationResult, RequestContext, TaggedApplication } from './ports';

/** Where the vault held a revoked credential, as the ledger records it (empty when the API did not store it). */
export type VaultTarget = Pick<
  OperationResult,
  'secretName' | 'secretVersion' | 'certificateName' | 'certificateVersion'
>;

/** A credential of an app as Graph lists it: what revoking it needs to know. */
interface RevocableCredential {
  keyId: string;
  displayName: string | null;
}

/** A kind of credential to revoke: the app's credentials of that kind and the two steps that revoke one. */
export interface Revocation<C extends RevocableCredential> {
  operation: Extract<OperationName, 'revokeSecret' | 'revokeCertificate'>;
  /** The app's credentials of this kind, read with the app. */
  credentials: readonly C[];
  /** Removes the credential from the app in Entra (the Graph write). */
  removeFromApp(credential: C): Promise<void>;
  /** Disables the vault version that held it, if the API stored one; says which, for the record. */
  disableInVault(credential: C): Promise<VaultTarget>;
}

/**
 * Revokes credential `keyId` (matched case-insensitively) of an app this identity owns, as just read with its tags
 * and credentials. Who may is decided first, before anything is written ahead: a caller that may not manage the app,
 * or an app without such a credential, gets the same NotFoundError. Then, written ahead to the ledger: the intent (app,
 * keyId, slot) before the Graph removal; a removal Graph surely refused closes it, one that may have happened leaves
 * it open; the progress once removed; the completion, naming the vault version, after the vault step. If the vault
 * step fails after the removal, the operation stays open (state `issued`) for the scan to finish.
 */
export async function revokeCredential<C extends RevocableCredential>(
  deps: Pick<VendingDependencies, 'ledger' | 'warn'>,
  context: RequestContext,
  application: Pick<TaggedApplication, 'appId' | 'tags'>,
  keyId: string,
  revocation: Revocation<C>,
): Promise<{ credential: C; inVault: VaultTarget }> {
  requireManageable(context.caller, application);
  const { appId } = application;
  const credential = revocation.credentials.find((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
  if (!credential) throw new NotFoundError(`Application ${appId} has no credential with keyId ${keyId}.`);
  const target = { appId, keyId: credential.keyId };
  const journal = await deps.ledger.beginOperation({
    operation: revocation.operation,
    context: context.trace,
    ...target,
    ...(credential.displayName ? { credentialDisplayName: credential.displayName } : {}),
  });
  try {
    await revocation.removeFromApp(credential);
  } catch (error) {
    await journalGraphFailure(deps, journal, error, target);
    throw error;
  }
  await journalStep(deps, journal, (j) => j.issued(target), target);
  const inVault = await revocation.disableInVault(credential);
  await journalStep(deps, journal, (j) => j.completed({ ...target, ...inVault }), target);
  return { credential, inVault };
}
