import { VendingDependencies } from './dependencies';
import { findStoredVersion } from './listSecrets';
import { RequestContext } from './ports';
import { revokeCredential } from './revokeCredential';

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
 * ledger (`revokeCredential`): if the vault step fails after the removal, the operation stays open (state `issued`)
 * for the scan to finish.
 */
export async function revokeSecret(
  deps: VendingDependencies,
  appId: string,
  keyId: string,
  context: RequestContext,
): Promise<RevokedSecret> {
  const application = await deps.directory.getOwnedApplication(appId);
  const { credential, inVault } = await revokeCredential(deps, context, application, keyId, {
    operation: 'revokeSecret',
    credentials: application.passwordCredentials,
    removeFromApp: (password) => deps.directory.removePassword(appId, password.keyId),
    disableInVault: async (password) => {
      const stored = await findStoredVersion(deps.secretStore, appId, password);
      if (stored?.enabled) await deps.secretStore.disableVersion(stored.name, stored.version);
      return stored ? { secretName: stored.name, secretVersion: stored.version } : {};
    },
  });
  return { appId, keyId: credential.keyId, disabledSecretVersion: inVault.secretVersion ?? null };
}
