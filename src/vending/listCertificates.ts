import { classifyCredential, CredentialStatus } from './credentialStatus';
import { CallBudget } from './deadline';
import { CertificateDependencies } from './dependencies';
import { requireManageable } from './ownership';
import { Caller, CertificateStore, KeyCredentialInfo, RequestContext, StoredCertificateVersionInfo } from './ports';
import { revokeCredential, RevocationUnfinished, VaultTarget } from './revokeCredential';
import { CREDENTIAL_DISPLAY_NAME_PATTERN, certificateNameFor } from './secretNaming';

/** One certificate credential of an app as the list route shows it. */
export interface ListedCertificate extends KeyCredentialInfo {
  status: CredentialStatus;
  /** The Key Vault certificate version behind it; null for a certificate the caller brought. */
  keyVault: { certificateName: string; version: string; certificateId: string; enabled: boolean } | null;
}

const slotPattern = new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN);

/** The Key Vault certificate that holds key credentials of this slot, or undefined for a name this product does not make. */
export function certificateNameOf(appId: string, displayName: string | null): string | undefined {
  return displayName && slotPattern.test(displayName) ? certificateNameFor(appId, displayName) : undefined;
}

/** The Key Vault certificate version created for key credential `keyId` (found by its `keyId` tag). */
export async function findCertificateVersion(
  store: CertificateStore,
  appId: string,
  credential: Pick<KeyCredentialInfo, 'keyId' | 'displayName'>,
  budget?: CallBudget,
): Promise<StoredCertificateVersionInfo | undefined> {
  const name = certificateNameOf(appId, credential.displayName);
  return name ? findCertificateVersionIn(store, name, credential.keyId, budget) : undefined;
}

/** The version of certificate `name` made for key credential `keyId` (its `keyId` tag). */
async function findCertificateVersionIn(
  store: CertificateStore,
  name: string,
  keyId: string,
  budget?: CallBudget,
): Promise<StoredCertificateVersionInfo | undefined> {
  const versions = await store.listVersions(name, budget);
  return versions.find((v) => v.tags.keyId?.toLowerCase() === keyId.toLowerCase());
}

/**
 * Disables the version of certificate `name` made for key credential `keyId`, if Key Vault made one (idempotent: a
 * disabled one is left as it is); says which it was.
 */
export async function disableCertificateVersion(
  store: CertificateStore,
  name: string | undefined,
  keyId: string,
  budget?: CallBudget,
): Promise<VaultTarget> {
  if (!name) return {};
  const stored = await findCertificateVersionIn(store, name, keyId, budget);
  if (stored?.enabled) await store.disableVersion(stored.name, stored.version, budget);
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
  budget?: CallBudget,
): Promise<{ appId: string; certificates: ListedCertificate[] }> {
  const { application, keyCredentials } = await deps.directory.getOwnedKeyCredentials(appId, budget);
  requireManageable(caller, application);
  const now = deps.clock();
  const thresholds = { maxLifetimeDays: deps.lifetimePolicy.maxDays, expiringWithinDays: deps.expiringWithinDays };
  const certificates = await Promise.all(
    keyCredentials.map(async (credential): Promise<ListedCertificate> => {
      const stored = await findCertificateVersion(deps.certificateStore, appId, credential, budget);
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
 * it. Written ahead to the ledger, idempotent and finishing like a secret's revocation (`revokeCredential`): a key
 * credential already gone whose certificate this product made is finished (its certificate disabled), not a 404; the
 * certificate is disabled on the compensation budget; what the vault does not let finish stays open as `unfinished`.
 */
export async function revokeCertificate(
  deps: CertificateDependencies,
  appId: string,
  keyId: string,
  context: RequestContext,
): Promise<RevokedCertificate> {
  const { application, keyCredentials } = await deps.directory.getOwnedKeyCredentials(appId, context.deadline.forward);
  const revoked = await revokeCredential(deps, context, application, keyId, {
    operation: 'revokeCertificate',
    credentials: keyCredentials,
    locate: (key) => certificateTarget(certificateNameOf(appId, key.displayName)),
    recorded: (issued) => (issued.certificateName ? { certificateName: issued.certificateName } : undefined),
    removeFromApp: (key, budget) => deps.directory.removeKeyCredential(appId, key.keyId, budget),
    finishInVault: ({ keyId: revokedKeyId, vault }, _live, budget) =>
      finishCertificateRevocation(deps.certificateStore, vault.certificateName, revokedKeyId, budget),
  });
  return { appId, keyId: revoked.keyId, disabledCertificateVersion: revoked.inVault.certificateVersion ?? null };
}

function certificateTarget(certificateName: string | undefined): VaultTarget {
  return certificateName ? { certificateName } : {};
}

/**
 * What is left of a certificate's revocation once its key credential is gone: its certificate version disabled.
 * Throws {@link RevocationUnfinished} when Key Vault does not let it finish.
 */
export async function finishCertificateRevocation(
  store: CertificateStore,
  certificateName: string | undefined,
  keyId: string,
  budget?: CallBudget,
): Promise<VaultTarget> {
  try {
    return await disableCertificateVersion(store, certificateName, keyId, budget);
  } catch (error) {
    throw new RevocationUnfinished('disableVersion', error);
  }
}
