import { NotFoundError } from './errors';
import { VendingDependencies } from './dependencies';
import { findStoredVersion } from './listSecrets';
import { journalGraphFailure, journalStep } from './operationJournal';
import { requireManageable } from './ownership';
import { RequestContext } from './ports';

/** What a revocation did. */
export interface RevokedSecret {
  appId: string;
  keyId: string;
  /** The vault version that was disabled, if the secret had been stored by this API. */
  disabledSecretVersion: string | null;
}

/**
 * Removes a credential from an app this identity owns and the caller may manage (`removePassword`) and disables the
 * vault version holding its secret, so neither Entra nor the vault will hand it out again. Written ahead to the
 * ledger: if the vault step fails after the removal, the operation stays open (state `issued`) for the scan to finish.
 */
export async function revokeSecret(
  deps: VendingDependencies,
  appId: string,
  keyId: string,
  context: RequestContext,
): Promise<RevokedSecret> {
  const application = await deps.directory.getOwnedApplication(appId);
  requireManageable(context.caller, application);
  const credential = application.passwordCredentials.find((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
  if (!credential) throw new NotFoundError(`Application ${appId} has no credential with keyId ${keyId}.`);
  const target = { appId, keyId: credential.keyId };
  const journal = await deps.ledger.beginOperation({
    operation: 'revokeSecret',
    context: context.trace,
    ...target,
    ...(credential.displayName ? { credentialDisplayName: credential.displayName } : {}),
  });
  try {
    await deps.directory.removePassword(appId, credential.keyId);
  } catch (error) {
    await journalGraphFailure(deps, journal, error, target);
    throw error;
  }
  await journalStep(deps, journal, (j) => j.issued(target), target);
  const stored = await findStoredVersion(deps.secretStore, appId, credential);
  if (stored?.enabled) await deps.secretStore.disableVersion(stored.name, stored.version);
  await journalStep(
    deps,
    journal,
    (j) => j.completed({ ...target, ...(stored ? { secretName: stored.name, secretVersion: stored.version } : {}) }),
    target,
  );
  return { appId, keyId: credential.keyId, disabledSecretVersion: stored?.version ?? null };
}
