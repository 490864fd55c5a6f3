import { classifyCredential, CredentialStatus } from './credentialStatus';
import { CertificateDependencies } from './dependencies';
import { requireManageable } from './ownership';
import { Caller, CertificateStore, KeyCredentialInfo, RequestContext, StoredCertificateVersionInfo } from './ports';
import { revokeCredential, VaultTarget } from './revokeCredential';
import { CREDENTIAL_DISPLAY_NAME_PATTERN, certificateNameFor } from './secretNaming';

/** One certificate credential of an app as the list route shows it. */
export interface ListedCertificate extends KeyCredentialInfo {
  status: CredentialStatus;
  /** The Key Vault certificate version behind it; null for a certificate the caller brought. */
  keyVault: { certificateName: string; version: string; certificateId: string; enabled: boolean } | null;
}

const slotPattern = new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN);

/** The Key Vault certificate version created for key credential `keyId` (found by its `keyId` tag). */
export async function findCertificateVersion(
  store: CertificateStore,
  appId: string,
  credential: Pick<KeyCredentialInfo, 'keyId' | 'displayName'>,
): Promise<StoredCertificateVersionInfo | undefined> {
  if (!credential.displayName || !slotPattern.test(credential.displayName)) return undefined;
  const versions = await store.listVersions(certificateNameFor(appId, credential.displayName));
  return versions.find((v) => v.tags.keyId === credential.keyId);
}

/** Disables the Key Vault certificate version behind a key credential, if Key Vault made it; says which it was. */
export async function disableCertificateVersion(
  store: CertificateStore,
  appId: string,
  credential: Pick<KeyCredentialInfo, 'keyId' | 'displayName'>,
): Promise<VaultTarget> {
  const stored = await findCertificateVersion(store, appId, credential);
  if (stored?.enabled) await store.disableVersion(stored.name, stored.version);
  return stored ? { certificateName: stored.name, certificateVersion: stored.version } : {};
}

/**
 * The key credentials of an app this identity owns and the caller may manage, with the same status rules as its
 * secrets.
 */
export async function listCertificates(
  deps: CertificateDependencies,
  appId: string,
  caller: Caller,
): Promise<{ appId: string; certificates: ListedCertificate[] }> {
  const { application, keyCredentials } = await deps.directory.getOwnedKeyCredentials(appId);
  requireManageable(caller, application);
  const now = deps.clock();
  const thresholds = { maxLifetimeDays: deps.lifetimePolicy.maxDays, expiringWithinDays: deps.expiringWithinDays };
  const certificates = await Promise.all(
    keyCredentials.map(async (credential): Promise<ListedCertificate> => {
      const stored = await findCertificateVersion(deps.certificateStore, appId, credential);
      return {
        ...credential,
        status: classifyCredential(credential, thresholds, now),
        keyVault: stored
          ? { certificateName: stored.name, version: stored.version, certificateId: stored.id, enabled: stored.enabled }
          : null,
      };
    }),
  );
  certificates.sort((a, b) => Date.parse(a.endDateTime) - Date.parse(b.endDateTime));
  return { appId: application.appId, certificates };
}

/** What a certificate revocation did. */
export interface RevokedCertificate {
  appId: string;
  keyId: string;
  /** The Key Vault certificate version disabled with it, if Key Vault made it. */
  disabledCertificateVersion: string | null;
}

/**
 * Removes a key credential from an app this identity owns and the caller may manage, and disables the Key Vault
 * certificate behind it, so Entra no longer accepts assertions signed by its key and Key Vault no longer signs with
 * it. Written ahead to the ledger like a secret's revocation (`revokeCredential`): if the vault step fails after the
 * removal, the operation stays open (state `issued`) for the scan to finish.
 */
export async function revokeCertificate(
  deps: CertificateDependencies,
  appId: string,
  keyId: string,
  context: RequestContext,
): Promise<RevokedCertificate> {
  const { application, keyCredentials } = await deps.directory.getOwnedKeyCredentials(appId);
  const { credential, inVault } = await revokeCredential(deps, context, application, keyId, {
    operation: 'revokeCertificate',
    credentials: keyCredentials,
    removeFromApp: (key) => deps.directory.removeKeyCredential(appId, key.keyId),
    disableInVault: (key) => disableCertificateVersion(deps.certificateStore, appId, key),
  });
  return { appId, keyId: credential.keyId, disabledCertificateVersion: inVault.certificateVersion ?? null };
}
