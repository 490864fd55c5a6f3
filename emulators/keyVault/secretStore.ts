import { randomBytes } from 'node:crypto';

/** Soft-delete retention the emulated vault is configured with (the service default). */
export const RECOVERABLE_DAYS = 90;
export const RECOVERY_LEVEL = 'Recoverable+Purgeable';

/** One version of a secret. The value never leaves this module except through {@link SecretStore} reads. */
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

export interface NewVersion {
  value: string;
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
  nbf?: number | undefined;
  exp?: number | undefined;
}

export interface VersionUpdate {
  contentType?: string | undefined;
  tags?: Record<string, string> | undefined;
  enabled?: boolean | undefined;
  nbf?: number | null | undefined;
  exp?: number | null | undefined;
}

export type StoreResult<T> = { ok: true; value: T } | { ok: false; reason: 'notFound' | 'deleted' | 'exists' };

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The vault's secrets: a soft-delete state machine over versioned values. Knows nothing of HTTP. */
export class SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();

  clear(): void {
    this.secrets.clear();
  }

  private find(name: string): StoredSecret | undefined {
    return this.secrets.get(name.toLowerCase());
  }

  /** A live (not soft-deleted) secret, or why not. */
  live(name: string): StoreResult<StoredSecret> {
    const secret = this.find(name);
    if (!secret) return { ok: false, reason: 'notFound' };
    if (secret.deleted) return { ok: false, reason: 'deleted' };
    return { ok: true, value: secret };
  }

  /** A soft-deleted secret. */
  deleted(name: string): StoredSecret | undefined {
    const secret = this.find(name);
    return secret?.deleted ? secret : undefined;
  }

  /** Adds a new version (creating the secret if needed); refused while the name is soft-deleted. */
  set(name: string, input: NewVersion): StoreResult<{ secret: StoredSecret; version: SecretVersion }> {
    const existing = this.find(name);
    if (existing?.deleted) return { ok: false, reason: 'deleted' };
    const secret: StoredSecret = existing ?? { name, versions: [], deleted: undefined };
    const now = nowSeconds();
    const version: SecretVersion = {
      version: randomBytes(16).toString('hex'),
      value: input.value,
      contentType: input.contentType,
      tags: input.tags,
      enabled: input.enabled ?? true,
      nbf: input.nbf,
      exp: input.exp,
      created: now,
      updated: now,
    };
    secret.versions.push(version);
    if (!existing) this.secrets.set(name.toLowerCase(), secret);
    return { ok: true, value: { secret, version } };
  }

  /** A version of a live secret; an empty version means the latest. */
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
    version.updated = nowSeconds();
    return version;
  }

  /** Soft-deletes every version at once. */
  softDelete(name: string): StoreResult<StoredSecret> {
    const found = this.live(name);
    if (!found.ok) return found;
    const deletedDate = nowSeconds();
    found.value.deleted = { deletedDate, scheduledPurgeDate: deletedDate + RECOVERABLE_DAYS * 24 * 60 * 60 };
    return found;
  }

  recover(name: string): StoreResult<StoredSecret> {
    const secret = this.deleted(name);
    if (!secret) return { ok: false, reason: 'notFound' };
    secret.deleted = undefined;
    return { ok: true, value: secret };
  }

  purge(name: string): boolean {
    const secret = this.deleted(name);
    if (!secret) return false;
    this.secrets.delete(name.toLowerCase());
    return true;
  }

  /** Live secrets, sorted by name (case-insensitively) so paging is stable. */
  listLive(): StoredSecret[] {
    return this.sorted().filter((s) => !s.deleted);
  }

  listDeleted(): StoredSecret[] {
    return this.sorted().filter((s) => s.deleted);
  }

  all(): StoredSecret[] {
    return this.sorted();
  }

  private sorted(): StoredSecret[] {
    return [...this.secrets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
  }
}

/** The latest version (every stored secret has at least one). */
export function latest(secret: StoredSecret): SecretVersion {
  const last = secret.versions[secret.versions.length - 1];
  if (!last) throw new Error(`secret ${secret.name} has no versions`);
  return last;
}
