import { randomBytes } from 'node:crypto';

/** Soft-delete retention the emulated vault is configured with (the service default). */
export const RECOVERABLE_DAYS = 90;
export const RECOVERY_LEVEL = 'Recoverable+Purgeable';

/** One version of a secret. The value leaves this module only through the secret handlers' answers. */
export interface SecretVersion {
  readonly version: string;
  readonly value: string;
  contentType: string | undefined;
  tags: Record<string, string> | undefined;
  enabled: boolean;
  nbf: number | undefined;
  exp: number | undefined;
  readonly created: number;
  updated: number;
}

/** A secret: every version in creation order (the last is "latest"), and its soft-delete state. */
export interface StoredSecret {
  /** The name as first created; lookups are case-insensitive, as in Key Vault. */
  readonly name: string;
  readonly versions: SecretVersion[];
  deleted: { deletedDate: number; scheduledPurgeDate: number } | undefined;
}

/** What a request may change on a version (and set on a new one). */
export interface VersionUpdate {
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
  nbf?: number | null | undefined;
  exp?: number | null | undefined;
}

/**
 * The vault's objects in memory: secrets as a soft-delete state machine over versioned values. Knows nothing of HTTP:
 * lookups answer `undefined` and the handlers decide what that means on the wire. (Keys and certificates, when they
 * come, get their own maps here.)
 */
export class VaultState {
  private readonly secrets = new Map<string, StoredSecret>();
  /** Every secret sorted by name, kept until a secret is added, deleted, recovered or purged (lists page from it). */
  private sorted: { all: StoredSecret[]; live: StoredSecret[]; deleted: StoredSecret[] } | undefined;
  /** Added to the real clock (`POST /_emulator/clock`), so tests age versions without sleeping. */
  clockOffsetMs = 0;

  clear(): void {
    this.secrets.clear();
    this.sorted = undefined;
    this.clockOffsetMs = 0;
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

  /** Adds a new version (creating the secret if needed). The name must not be soft-deleted. */
  addVersion(name: string, value: string, properties: VersionUpdate): { secret: StoredSecret; version: SecretVersion } {
    if (this.deleted(name)) throw new Error(`secret ${name} is soft-deleted`);
    const secret: StoredSecret = this.live(name) ?? { name, versions: [], deleted: undefined };
    const now = this.nowSeconds();
    const version: SecretVersion = {
      version: randomBytes(16).toString('hex'),
      value,
      contentType: properties.contentType,
      tags: properties.tags,
      enabled: properties.enabled ?? true,
      nbf: properties.nbf ?? undefined,
      exp: properties.exp ?? undefined,
      created: now,
      updated: now,
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
    if (version === '') return secret.versions[secret.versions.length - 1];
    return secret.versions.find((v) => v.version === version.toLowerCase());
  }

  update(version: SecretVersion, changes: VersionUpdate): SecretVersion {
    if (changes.contentType !== undefined) version.contentType = changes.contentType;
    if (changes.tags !== undefined) version.tags = changes.tags;
    if (changes.enabled !== undefined) version.enabled = changes.enabled;
    if (changes.nbf !== undefined) version.nbf = changes.nbf ?? undefined;
    if (changes.exp !== undefined) version.exp = changes.exp ?? undefined;
    version.updated = this.nowSeconds();
    return version;
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

/** The latest version (every stored secret has at least one). */
export function latest(secret: StoredSecret): SecretVersion {
  const last = secret.versions[secret.versions.length - 1];
  if (!last) throw new Error(`secret ${secret.name} has no versions`);
  return last;
}
