import { isGuid } from './units';

/**
 * Key Vault secret names for app credentials: one name per app credential slot, a new version per secret issued.
 *
 * `app-<appId>-<slot>`, lower case: the appId is a GUID (36 chars) and the slot is the credential's displayName
 * (1–64 of `[A-Za-z0-9-]`, lower-cased because vault names are case-insensitive), so the name is at most 105 chars,
 * starts with a letter and uses only letters, digits and dashes, as Key Vault requires (`^[0-9a-zA-Z-]{1,127}$`).
 */
export const CREDENTIAL_DISPLAY_NAME_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$';
/** The slot used when a caller names none. */
export const DEFAULT_CREDENTIAL_DISPLAY_NAME = 'default';

const displayNamePattern = new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN);

/** The vault secret name that holds the secrets of one credential slot of one app. */
export function secretNameFor(appId: string, credentialDisplayName: string): string {
  if (!isGuid(appId)) throw new RangeError(`appId must be a GUID, got '${appId}'`);
  if (!displayNamePattern.test(credentialDisplayName)) {
    throw new RangeError(`credential displayName must match ${CREDENTIAL_DISPLAY_NAME_PATTERN}`);
  }
  return `app-${appId}-${credentialDisplayName}`.toLowerCase();
}

/**
 * The Key Vault certificate name of one certificate slot of one app: `cert-<appId>-<slot>`, lower case. Not `app-…`:
 * a certificate makes a secret of its own name, which must not land in a client-secret slot.
 */
export function certificateNameFor(appId: string, credentialDisplayName: string): string {
  return `cert-${secretNameFor(appId, credentialDisplayName).slice('app-'.length)}`;
}
