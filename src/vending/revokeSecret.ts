import { NotFoundError } from './errors';
import { VendingDependencies } from './dependencies';
import { findStoredVersion } from './listSecrets';
import { requireManageable } from './ownership';
import { Caller } from './ports';

/** What a revocation did. */
export interface RevokedSecret {
  appId: string;
  keyId: string;
  /** The vault version that was disabled, if the secret had been stored by this API. */
  disabledSecretVersion: string | null;
}

/**
 * Removes a credential from an app this identity owns and the caller may manage (`removePassword`) and disables the
 * vault version holding its secret, so neither Entra nor the vault will hand it out again.
 */
export async function revokeSecret(
  deps: VendingDependencies,
  appId: string,
  keyId: string,
  caller: Caller,
): Promise<RevokedSecret> {
  const application = await deps.directory.getOwnedApplication(appId);
  requireManageable(caller, application);
  const credential = application.passwordCredentials.find((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
  if (!credential) throw new NotFoundError(`Application ${appId} has no credential with keyId ${keyId}.`);
  await deps.directory.removePassword(appId, credential.keyId);
  const stored = await findStoredVersion(deps.secretStore, appId, credential);
  if (stored?.enabled) await deps.secretStore.disableVersion(stored.name, stored.version);
  return { appId, keyId: credential.keyId, disabledSecretVersion: stored?.version ?? null };
}
