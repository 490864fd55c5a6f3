import { randomBytes } from 'node:crypto';

/** Soft-delete retention the emulated vault is configured with (the service default). */
export const RECOVERABLE_DAYS = 90;
export const RECOVERY_LEVEL = 'Recoverable+Purgeable';

/** What every version of a secret, key or certificate carries: its id, attributes (Unix seconds) and tags. */
export interface ObjectVersion {
  readonly version: string;
  tags: Record<string, string> | undefined;
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  readonly created: number;
  updated: number;
}

/** One version of a secret. The value leaves this module only through the secret handlers' answers. */
export interface SecretVersion extends ObjectVersion {
  readonly value: string;
  contentType: string | undefined;
  /** Set on the secret behind a certificate: the id of the certificate's key (`managed` secret). */
  readonly kid?: string;
}

/** A secret: every version in creation order (the last is "latest"), and its soft-delete state. */
export interface StoredSecret {
  /** The name as first created; lookups are case-insensitive, as in Key Vault. */
  readonly name: string;
  readonly versions: SecretVersion[];
  deleted: { deletedDate: number; scheduledPurgeDate: number } | undefined;
}

/** What a request may change on a version (and set on a new one); `contentType` only on secrets. */
export interface VersionUpdate {
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
  nbf?: number | null | undefined;
  exp?: number | null | undefined;
}

/** A new 32-hex version id, as Key Vault makes them (shared by a certificate and its key and secret). */
export function newVersionId(): string {
  return randomBytes(16).toString('hex');
}

/** A new version's attributes from a request's properties, created at `now` (the vault's clock, Unix seconds). */
export function newVersion(version: string, properties: VersionUpdate, now: number): ObjectVersion {
  return {
    version,
    tags: properties.tags,
    enabled: properties.enabled ?? true,
    nbf: properties.nbf ?? undefined,
    exp: properties.exp ?? undefined,
    created: now,
    updated: now,
  };
}

/** Applies an update's attributes and tags (and, on a secret, its content type) to a version, updated at `now`. */
export function applyUpdate<V extends ObjectVersion & { contentType?: string | undefined }>(
  version: V,
  changes: VersionUpdate,
  now: number,
): V {
  if (changes.contentType !== undefined && 'contentType' in version) version.contentType = changes.contentType;
  if (changes.tags !== undefined) version.tags = changes.tags;
  if (changes.enabled !== undefined) version.enabled = changes.enabled;
  if (changes.nbf !== undefined) version.nbf = changes.nbf ?? undefined;
  if (changes.exp !== undefined) version.exp = changes.exp ?? undefined;
  version.updated = now;
  return version;
}

/** A version of an object by id (case-insensitive); '' means the latest. */
export function versionOf<V extends { version: string }>(versions: readonly V[], version: string): V | undefined {
  if (version === '') return versions[versions.length - 1];
  return versions.find((v) => v.version === version.toLowerCase());
}

/** One version of a key: the private key never leaves this module except as a signature. */
export interface KeyVersion extends ObjectVersion {
  readonly privateKeyPem: string;
  /** The public JWK members (`n`, `e`, base64url). */
  readonly n: string;
  readonly e: string;
  readonly keyOps: readonly string[];
}

/** One version of a certificate: its DER and the attributes Key Vault mirrors onto its key and secret. */
export interface CertificateVersion extends ObjectVersion {
  readonly der: Buffer;
}

/** An object with versions in creation order (the last is "latest"). */
export interface Versioned<V> {
  /** The name as first created; lookups are case-insensitive. */
  readonly name: string;
  readonly versions: V[];
}

/** A key; `managed` when a certificate made it (its lifetime follows the certificate). */
export interface StoredKey extends Versioned<KeyVersion> {
  readonly managed: boolean;
}

/** The creation operation of a certificate (`/pending`). */
export interface PendingOperation {
  readonly requestId: string;
  readonly issuerName: string;
  status: 'inProgress' | 'completed';
}

/** A certificate: its versions, its policy (the wire shape, defaults filled in) and its last creation operation. */
export interface StoredCertificate extends Versioned<CertificateVersion> {
  policy: Record<string, unknown>;
  readonly policyCreated: number;
  pending: PendingOperation | undefined;
}

/** Objects by case-insensitive name, listed in name order so paging is stable. */
export class ObjectMap<T extends { name: string }> {
  private readonly objects = new Map<string, T>();

  get(name: string): T | undefined {
    return this.objects.get(name.toLowerCase());
  }

  set(object: T): T {
    this.objects.set(object.name.toLowerCase(), object);
    return object;
  }

  all(): T[] {
    return [...this.objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  clear(): void {
    this.objects.clear();
  }
}

/**
 * The vault's objects in memory: secrets as a soft-delete state machine over versioned values, and the keys and
 * certificates that certificate creation makes. Knows nothing of HTTP: lookups answer `undefined` and the handlers
 * decide what that means on the wire.
 */
export class VaultState {
  private readonly secrets = new Map<string, StoredSecret>();
  /** Every secret sorted by name, kept until a secret is added, deleted, recovered or purged (lists page from it). */
  private sorted: { all: StoredSecret[]; live: StoredSecret[]; deleted: StoredSecret[] } | undefined;
  /** Added to the real clock (`POST /_emulator/clock`), so tests age versions without sleeping. */
  clockOffsetMs = 0;
  /** Keys and certificates: only those a certificate creates (no soft delete for them here). */
  readonly keys = new ObjectMap<StoredKey>();
  readonly certificates = new ObjectMap<StoredCertificate>();

  clear(): void {
    this.secrets.clear();
    this.sorted = undefined;
    this.clockOffsetMs = 0;
    this.keys.clear();
    this.certificates.clear();
  }

  /** The vault's clock in Unix seconds: `created`, `updated` and deletion dates come from it. */
  nowSeconds(): number {
    return Math.floor((Date.now() + this.clockOffsetMs) / 1000);
  }

  /** A secret that is not soft-deleted. */
  live(name: string): StoredSecret | undefined {
    const secret = this.secrets.get(name.toLowerCase());
    return secret?.deleted ? undefined : secret;
  }

  /** A soft-deleted secret. */
  deleted(name: string): StoredSecret | undefined {
    const secret = this.secrets.get(name.toLowerCase());
    return secret?.deleted ? secret : undefined;
  }

  /**
   * Adds a new version (creating the secret if needed). The name must not be soft-deleted. A certificate's secret is
   * `managed`: its version id is the certificate's, and it names the certificate's key (`kid`).
   */
  addVersion(
    name: string,
    value: string,
    properties: VersionUpdate,
    managed: { version: string; kid: string } | undefined = undefined,
  ): { secret: StoredSecret; version: SecretVersion } {
    if (this.deleted(name)) throw new Error(`secret ${name} is soft-deleted`);
    const secret: StoredSecret = this.live(name) ?? { name, versions: [], deleted: undefined };
    const version: SecretVersion = {
      ...newVersion(managed?.version ?? newVersionId(), properties, this.nowSeconds()),
      value,
      contentType: properties.contentType,
      ...(managed ? { kid: managed.kid } : {}),
    };
    secret.versions.push(version);
    if (!this.secrets.has(name.toLowerCase())) {
      this.secrets.set(name.toLowerCase(), secret);
      this.sorted = undefined;
    }
    return { secret, version };
  }

  /** A version of a secret; an empty version means the latest. */
  version(secret: StoredSecret, version: string): SecretVersion | undefined {
    return versionOf(secret.versions, version);
  }

  /** Applies an update to a version of a secret, key or certificate, on the vault's clock. */
  update<V extends ObjectVersion & { contentType?: string | undefined }>(version: V, changes: VersionUpdate): V {
    return applyUpdate(version, changes, this.nowSeconds());
  }

  /** Soft-deletes every version at once. */
  softDelete(secret: StoredSecret): void {
    const deletedDate = this.nowSeconds();
    secret.deleted = { deletedDate, scheduledPurgeDate: deletedDate + RECOVERABLE_DAYS * 24 * 60 * 60 };
    this.sorted = undefined;
  }

  recover(secret: StoredSecret): void {
    secret.deleted = undefined;
    this.sorted = undefined;
  }

  purge(secret: StoredSecret): void {
    this.secrets.delete(secret.name.toLowerCase());
    this.sorted = undefined;
  }

  /** Live secrets, sorted by name (case-insensitively) so paging is stable. */
  listLive(): readonly StoredSecret[] {
    return this.lists().live;
  }

  listDeleted(): readonly StoredSecret[] {
    return this.lists().deleted;
  }

  all(): readonly StoredSecret[] {
    return this.lists().all;
  }

  private lists(): { all: StoredSecret[]; live: StoredSecret[]; deleted: StoredSecret[] } {
    if (!this.sorted) {
      const all = [...this.secrets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
      this.sorted = { all, live: all.filter((s) => !s.deleted), deleted: all.filter((s) => s.deleted) };
    }
    return this.sorted;
  }
}

/** The latest version (every stored object has at least one). */
export function latest<V>(object: Versioned<V>): V {
  const last = object.versions[object.versions.length - 1];
  if (!last) throw new Error(`${object.name} has no versions`);
  return last;
}
