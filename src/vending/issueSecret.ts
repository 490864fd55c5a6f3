import { decideCredentialWindow, LifetimeRequest } from './lifetimePolicy';
import { keyVaultReferenceFor, KeyVaultReference } from './keyVaultReference';
import { VendingDependencies } from './dependencies';
import { ApplicationInfo, Caller, IssuedPassword, PasswordRequest } from './ports';
import { isAdmin, requireManageable } from './ownership';
import { DEFAULT_CREDENTIAL_DISPLAY_NAME, secretNameFor } from './secretNaming';

/** Content type of every stored client secret. */
export const CLIENT_SECRET_CONTENT_TYPE = 'text/plain; charset=utf-8';
/** Tag that marks vault secrets written by this product. */
export const MANAGED_BY_TAG = { managedBy: 'entra-app-vending' } as const;

/** A secret request: the slot (credential displayName) and the lifetime wanted. */
export interface SecretRequest extends LifetimeRequest {
  displayName?: string;
}

/** What a caller gets for a new secret: everything but the value. */
export interface IssuedSecret {
  appId: string;
  keyId: string;
  displayName: string;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
  keyVault: KeyVaultReference;
}

/** Turns a secret request into the password to ask Graph for (policy applied; throws on violation). */
export function planPassword(
  deps: Pick<VendingDependencies, 'lifetimePolicy' | 'clock'>,
  request: SecretRequest,
): PasswordRequest {
  const window = decideCredentialWindow(request, deps.lifetimePolicy, deps.clock());
  return { displayName: request.displayName ?? DEFAULT_CREDENTIAL_DISPLAY_NAME, ...window };
}

/**
 * Writes a just-issued password into Key Vault and returns its reference. The value is not kept: after this returns
 * or throws, nothing in our process refers to it. On failure the caller must compensate (remove the credential).
 */
export async function storeIssuedPassword(
  deps: Pick<VendingDependencies, 'secretStore'>,
  application: Pick<ApplicationInfo, 'appId'>,
  password: IssuedPassword,
  caller: Caller,
): Promise<IssuedSecret> {
  const displayName = password.displayName ?? DEFAULT_CREDENTIAL_DISPLAY_NAME;
  const name = secretNameFor(application.appId, displayName);
  const stored = await deps.secretStore.put(name, password.secretText, {
    contentType: CLIENT_SECRET_CONTENT_TYPE,
    notBefore: new Date(password.startDateTime),
    expiresOn: new Date(password.endDateTime),
    tags: { ...MANAGED_BY_TAG, appId: application.appId, keyId: password.keyId, requestedBy: caller.id },
  });
  return {
    appId: application.appId,
    keyId: password.keyId,
    displayName,
    hint: password.hint,
    startDateTime: password.startDateTime,
    endDateTime: password.endDateTime,
    keyVault: keyVaultReferenceFor(deps.secretStore.vaultUrl, stored),
  };
}

/**
 * Adds a secret to an app this identity owns and the caller may manage: one Graph read of the app's owner tags
 * (none for Admin, who may manage every app this identity owns), one Graph call (addPassword by appId) and one Key
 * Vault write. If the vault write fails the credential is removed again before the error goes up, so no credential
 * is left without its stored secret.
 */
export async function issueSecret(
  deps: VendingDependencies,
  appId: string,
  request: SecretRequest,
  caller: Caller,
): Promise<IssuedSecret> {
  const planned = planPassword(deps, request);
  if (!isAdmin(caller)) requireManageable(caller, await deps.directory.getApplication(appId));
  const password = await deps.directory.addPassword(appId, planned);
  try {
    return await storeIssuedPassword(deps, { appId }, password, caller);
  } catch (storeError) {
    await deps.directory.removePassword(appId, password.keyId).catch(() => {
      deps.warn('A credential was issued but could not be stored or removed; remove it by hand.', {
        appId,
        keyId: password.keyId,
      });
    });
    throw storeError;
  }
}
