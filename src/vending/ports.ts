/**
 * What the vending domain needs from the outside world. Adapters in `src/azure/` implement these over Graph and
 * Key Vault; unit tests implement them in memory.
 */

/** A password credential as Graph reports it, without its value. */
export interface PasswordCredentialInfo {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
}

/** The one moment a secret value exists in our process: the answer to addPassword or create-with-password. */
export interface IssuedPassword extends PasswordCredentialInfo {
  secretText: string;
}

/** An application registration as we use it. */
export interface ApplicationInfo {
  /** Object id. */
  id: string;
  appId: string;
  displayName: string;
}

/** The validity and name of a password to ask Graph for. */
export interface PasswordRequest {
  displayName: string;
  startDateTime: Date;
  endDateTime: Date;
}

/** The Graph calls this product makes, under `Application.ReadWrite.OwnedBy`. */
export interface Directory {
  /** `POST /applications`, with the first password inline when given (one call). The caller becomes owner. */
  createApplication(input: {
    displayName: string;
    description?: string;
    password?: PasswordRequest;
  }): Promise<{ application: ApplicationInfo; password?: IssuedPassword }>;
  /** `POST /servicePrincipals`; retried through replication lag. Returns the service principal's object id. */
  createServicePrincipal(appId: string): Promise<{ id: string }>;
  /** `DELETE /applications/{id}` (compensation only). */
  deleteApplication(objectId: string): Promise<void>;
  /** `POST /applications(appId='…')/addPassword`. */
  addPassword(appId: string, password: PasswordRequest): Promise<IssuedPassword>;
  /** `POST /applications(appId='…')/removePassword`. */
  removePassword(appId: string, keyId: string): Promise<void>;
  /** The app with its password credentials, only if this identity owns it; otherwise NotFoundError. */
  getOwnedApplication(appId: string): Promise<ApplicationInfo & { passwordCredentials: PasswordCredentialInfo[] }>;
}

/** Where a stored secret version lives. */
export interface StoredSecretVersion {
  name: string;
  version: string;
  /** The versioned secret URI. */
  id: string;
}

/** Metadata of one stored version (never its value). */
export interface StoredSecretVersionInfo extends StoredSecretVersion {
  enabled: boolean;
  tags: Record<string, string>;
}

/** What the product does with Key Vault. */
export interface SecretStore {
  /** The vault's URL, e.g. `https://kv.vault.azure.net`. */
  readonly vaultUrl: string;
  /** Writes a new version of `name`. */
  put(
    name: string,
    value: string,
    options: { contentType: string; notBefore: Date; expiresOn: Date; tags: Record<string, string> },
  ): Promise<StoredSecretVersion>;
  /** Every version of `name` with its tags; empty when the secret does not exist. */
  listVersions(name: string): Promise<StoredSecretVersionInfo[]>;
  /** Disables one version so it can no longer be read. */
  disableVersion(name: string, version: string): Promise<void>;
}

/** Current time; injected so tests control it. */
export type Clock = () => Date;

/** Who is asking: taken from the request in one place (`http/caller.ts`), used for tags and later authorization. */
export interface Caller {
  /** Object id of the calling principal, or `anonymous` until caller authentication lands. */
  id: string;
  roles: readonly string[];
}
