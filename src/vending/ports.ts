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

/** An application with its tags, where this product keeps who may manage it (see `ownership.ts`). */
export interface TaggedApplication extends ApplicationInfo {
  tags: string[];
}

/** One page of the applications this identity owns, and where the next page starts (absent on the last). */
export interface ApplicationPage {
  applications: TaggedApplication[];
  skipToken?: string;
}

/** The validity and name of a password to ask Graph for. */
export interface PasswordRequest {
  displayName: string;
  startDateTime: Date;
  endDateTime: Date;
}

/** The Graph calls this product makes, under `Application.ReadWrite.OwnedBy`. */
export interface Directory {
  /** `POST /applications` with its tags and the first password inline when given (one call). This identity becomes owner. */
  createApplication(input: {
    displayName: string;
    description?: string;
    tags: string[];
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
  /** The app with its tags and password credentials, only if this identity owns it; otherwise NotFoundError. */
  getOwnedApplication(appId: string): Promise<TaggedApplication & { passwordCredentials: PasswordCredentialInfo[] }>;
  /** The app with its tags, in one read; NotFoundError if there is none. Does not check that this identity owns it. */
  getApplication(appId: string): Promise<TaggedApplication>;
  /** One page (at most `top`) of the applications this identity owns, with their tags. */
  listOwnedApplications(page: { top: number; skipToken?: string }): Promise<ApplicationPage>;
  /** Replaces the app's tags (`PATCH /applications`); the app must be owned by this identity. */
  setApplicationTags(appId: string, tags: string[]): Promise<void>;
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

/**
 * Who is asking, as their validated Entra access token says (decided in one place, `http/callers.ts`): a service
 * principal calling as itself (app-only token) or a user through a client (delegated token).
 */
export interface Caller {
  /** Object id (`oid`) of the calling user or service principal. */
  id: string;
  kind: 'app' | 'user';
  /** Application (client) id of the client that got the token (`azp`, or `appid` in v1 tokens). */
  clientAppId: string | undefined;
  /** App roles of the vending API the caller holds (`roles`): App.Create, Secret.Create, Admin. */
  roles: readonly string[];
  /** Object ids of the caller's security groups (`groups`); empty for app-only tokens or on group overage. */
  groups: readonly string[];
  /** Delegated scopes (`scp`); empty for app-only tokens. */
  scopes: readonly string[];
}
