import { ApplicationCredentials, OperationName, PasswordCredentialInfo } from '../ports';
import { certificateNameFor, secretNameFor } from '../secretNaming';
import { ScanSettings } from './scanSettings';

/** Which kind of credential a finding is about: a client secret or a certificate (a Graph key credential). */
export type CredentialType = 'password' | 'certificate';

/** What the scan judges of any credential, whatever its kind: its id, slot and window. */
export type ScanCredential = Pick<PasswordCredentialInfo, 'keyId' | 'displayName' | 'startDateTime' | 'endDateTime'>;

/**
 * One kind of credential as the scan sees it: where it is on the application object, and which Key Vault objects this
 * product writes for it (one name per app and slot, a new version per credential, tagged with its keyId). The judging
 * and the actions are the same for every kind; only these differ.
 */
export interface CredentialKind {
  readonly type: CredentialType;
  /** The application's collection, as Graph and the events' `subject` name it. */
  readonly collection: 'passwordCredentials' | 'keyCredentials';
  /** The start of every vault object name of this kind: `app` (`app-<appId>-<slot>`) or `cert`. */
  readonly vaultPrefix: 'app' | 'cert';
  /** The vault object of one slot of one app (throws RangeError for a displayName that is no slot). */
  vaultNameFor(appId: string, slot: string): string;
  credentialsOf(app: ApplicationCredentials): readonly ScanCredential[];
  /**
   * Whether the scan rotates this kind in opted-in slots. Certificates are not rotated: a consumer holding an
   * exportable certificate through a Key Vault reference would be handed a non-exportable successor.
   */
  readonly rotates: boolean;
  /**
   * The ledger operation that adds credentials of this kind with no vault object behind them (a certificate the caller
   * brought): such a credential is the product's if the ledger records it added. None for secrets: a secret this
   * product issued is always in the vault.
   */
  readonly addedWithoutVault?: OperationName;
  /** The setting of the lifetime policy's maximum for this kind: longer credentials are `overPolicy`. */
  readonly maxLifetimeSetting: keyof Pick<ScanSettings, 'maxLifetimeDays' | 'certificateMaxLifetimeDays'>;
}

/** A kind whose credentials are the application's `collection`. */
function credentialKind(
  type: CredentialType,
  collection: CredentialKind['collection'],
  vault: Pick<CredentialKind, 'vaultPrefix' | 'vaultNameFor'>,
  rules: Pick<CredentialKind, 'rotates' | 'addedWithoutVault' | 'maxLifetimeSetting'>,
): CredentialKind {
  return { type, collection, ...vault, credentialsOf: (app) => app[collection], ...rules };
}

/** Client secrets: `passwordCredentials`, their values in vault secrets `app-<appId>-<slot>`. */
export const PASSWORD_CREDENTIALS = credentialKind(
  'password',
  'passwordCredentials',
  { vaultPrefix: 'app', vaultNameFor: secretNameFor },
  { rotates: true, maxLifetimeSetting: 'maxLifetimeDays' },
);

/**
 * Certificates: `keyCredentials`; Key Vault certificates `cert-<appId>-<slot>` for those the vault made (a certificate
 * the caller brought has none).
 */
export const KEY_CREDENTIALS = credentialKind(
  'certificate',
  'keyCredentials',
  { vaultPrefix: 'cert', vaultNameFor: certificateNameFor },
  { rotates: false, addedWithoutVault: 'addCertificate', maxLifetimeSetting: 'certificateMaxLifetimeDays' },
);

/** Every kind, in the order the scan judges them. */
export const CREDENTIAL_KINDS: readonly CredentialKind[] = [PASSWORD_CREDENTIALS, KEY_CREDENTIALS];
