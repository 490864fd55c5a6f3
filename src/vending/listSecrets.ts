import { classifyCredential, CredentialStatus } from './credentialStatus';
import { VendingDependencies } from './dependencies';
import { keyVaultReferenceFor, KeyVaultReference } from './keyVaultReference';
import { requireManageable } from './ownership';
import { Caller, PasswordCredentialInfo, SecretStore, StoredSecretVersionInfo } from './ports';
import { CallBudget } from './deadline';
import { slotSecretName, storedVersionOf } from './secretSlots';

/** One credential of an app as the list route shows it: metadata, status and where its secret is stored. */
export interface ListedSecret extends PasswordCredentialInfo {
  status: CredentialStatus;
  /** Null when the secret was not issued through this API (or its vault version is gone). */
  keyVault: KeyVaultReference | null;
}

/** Finds the stored version holding the secret of credential `keyId` among the versions of its slot. */
export async function findStoredVersion(
  secretStore: SecretStore,
  appId: string,
  credential: Pick<PasswordCredentialInfo, 'keyId' | 'displayName'>,
  cache = new Map<string, Promise<StoredSecretVersionInfo[]>>(),
  budget?: CallBudget,
): Promise<StoredSecretVersionInfo | undefined> {
  const name = slotSecretName(appId, credential.displayName);
  if (!name) return undefined;
  let versions = cache.get(name);
  if (!versions) {
    versions = secretStore.listVersions(name, budget);
    cache.set(name, versions);
  }
  return storedVersionOf(await versions, credential);
}

/**
 * The password credentials of an app this identity owns and the caller may manage, with status and vault references;
 * never values.
 */
export async function listSecrets(
  deps: VendingDependencies,
  appId: string,
  caller: Caller,
  budget?: CallBudget,
): Promise<{ appId: string; secrets: ListedSecret[] }> {
  const application = await deps.directory.getOwnedApplication(appId, budget);
  requireManageable(caller, application);
  const now = deps.clock();
  const versionsBySlot = new Map<string, Promise<StoredSecretVersionInfo[]>>();
  const thresholds = { maxLifetimeDays: deps.lifetimePolicy.maxDays, expiringWithinDays: deps.expiringWithinDays };
  const secrets = await Promise.all(
    application.passwordCredentials.map(async (credential): Promise<ListedSecret> => {
      const stored = await findStoredVersion(deps.secretStore, appId, credential, versionsBySlot, budget);
      return {
        ...credential,
        status: classifyCredential(credential, thresholds, now),
        keyVault: stored ? keyVaultReferenceFor(deps.secretStore.vaultUrl, stored) : null,
      };
    }),
  );
  secrets.sort((a, b) => Date.parse(a.endDateTime) - Date.parse(b.endDateTime));
  return { appId: application.appId, secrets };
}
