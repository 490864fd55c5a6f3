import { CallBudget } from './deadline';
import { PasswordCredentialInfo, SecretStore, StoredSecretVersionInfo } from './ports';
import { CREDENTIAL_DISPLAY_NAME_PATTERN, secretNameFor } from './secretNaming';

/**
 * A credential slot is one vault secret (`app-<appId>-<slot>`) whose versions hold the slot's credentials, one version
 * per credential (plus restored copies, below). Its versionless URI — the Key Vault reference every consumer holds —
 * serves the latest version written. The slot's promise: that is the newest **live** credential of the slot (enabled,
 * and its credential still on the app), or nothing when none is left.
 *
 * Key Vault has no "make this version current": the latest written is current. So when the current version is disabled
 * (its credential was revoked, or rolled back) while an older live credential remains, the older one's value is
 * written again as a new version, tagged `restoredFrom` with the version it copies. A copy ranks as its original, so
 * "newest" always means the credential issued last, never the copy written last.
 */

/** Tag of a restored copy: the original version whose value it holds. */
export const RESTORED_FROM_TAG = 'restoredFrom';

/** How many times settling a slot re-checks after a write of its own (concurrent issues may land meanwhile). */
const SETTLE_ROUNDS = 3;

const slotPattern = new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN);

/** The vault secret of a credential's slot, or undefined when its displayName is not a slot this product names. */
export function slotSecretName(appId: string, displayName: string | null): string | undefined {
  return displayName && slotPattern.test(displayName) ? secretNameFor(appId, displayName) : undefined;
}

/** The versions holding credential `keyId`'s secret: its original and any restored copies. */
export function versionsHolding(
  versions: readonly StoredSecretVersionInfo[],
  keyId: string,
): StoredSecretVersionInfo[] {
  const id = keyId.toLowerCase();
  return versions.filter((v) => v.tags.keyId?.toLowerCase() === id);
}

/** The version that stands for a credential: its enabled original, else an enabled copy, else whatever is left. */
export function storedVersionOf(
  versions: readonly StoredSecretVersionInfo[],
  credential: Pick<PasswordCredentialInfo, 'keyId'>,
): StoredSecretVersionInfo | undefined {
  const holding = versionsHolding(versions, credential.keyId);
  const original = (v: StoredSecretVersionInfo): boolean => v.tags[RESTORED_FROM_TAG] === undefined;
  return (
    holding.find((v) => v.enabled && original(v)) ??
    holding.find((v) => v.enabled) ??
    holding.find(original) ??
    holding[0]
  );
}

/**
 * Disables every enabled version holding credential `keyId`'s secret (its original and copies), one call each.
 * Returns the versions it found (enabled or not), so a caller can say which held the credential.
 */
export async function disableCredentialVersions(
  store: SecretStore,
  name: string,
  keyId: string,
  budget?: CallBudget,
): Promise<StoredSecretVersionInfo[]> {
  const holding = versionsHolding(await store.listVersions(name, budget), keyId);
  for (const version of holding.filter((v) => v.enabled)) await store.disableVersion(name, version.version, budget);
  return holding;
}

/** Issue order of each version: its original's creation time, then its original's place in the listing. */
function issueRank(versions: readonly StoredSecretVersionInfo[]): (v: StoredSecretVersionInfo) => [number, number] {
  const index = new Map(versions.map((v, i) => [v.version, i]));
  const byVersion = new Map(versions.map((v) => [v.version, v]));
  return (v) => {
    const original = byVersion.get(v.tags[RESTORED_FROM_TAG] ?? v.version) ?? v;
    return [original.createdOn?.getTime() ?? 0, index.get(original.version) ?? 0];
  };
}

function newest(versions: readonly StoredSecretVersionInfo[], among: readonly StoredSecretVersionInfo[]) {
  const rank = issueRank(versions);
  let best: StoredSecretVersionInfo | undefined;
  for (const v of among) {
    if (!best) best = v;
    else {
      const [a, b] = [rank(v), rank(best)];
      if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) best = v;
    }
  }
  return best;
}

function sameCredential(versions: readonly StoredSecretVersionInfo[], a: string, b: string): boolean {
  const byVersion = new Map(versions.map((v) => [v.version, v]));
  const origin = (version: string): string => byVersion.get(version)?.tags[RESTORED_FROM_TAG] ?? version;
  return origin(a) === origin(b);
}

/** What settling a slot did: nothing (its current version was fine), a restore, or nothing left to serve. */
export type SlotOutcome = 'unchanged' | 'restored' | 'empty';

/** The credentials still on the app: known already, or read only when a settle needs them (a Graph read spared). */
export type LiveKeyIds = ReadonlySet<string> | (() => Promise<Iterable<string>>);

/**
 * Makes the slot's versionless URI serve its newest live credential after one of its credentials was revoked or rolled
 * back. `liveKeyIds` are the credentials still on the app as the caller last read them (or how to read them, asked only
 * when the current version is disabled and another is enabled); a version written after this call first listed the
 * slot counts as live too (a concurrent issue: its credential exists before its version does).
 *
 * If the current version is enabled, the slot was not broken by this change and is left alone. If it is disabled, the
 * newest live version is restored; then the slot is checked again, since an issue that landed meanwhile may be newer
 * than the restored one (it is then restored in turn). Nothing live left: the slot stays on its disabled version —
 * empty, as Key Vault answers 403 `SecretDisabled` for it.
 */
export async function settleSlot(
  store: SecretStore,
  name: string,
  liveKeyIds: LiveKeyIds,
  budget?: CallBudget,
): Promise<SlotOutcome> {
  let live: Set<string> | undefined;
  const liveSet = async (): Promise<Set<string>> => {
    if (live) return live;
    const keyIds = typeof liveKeyIds === 'function' ? await liveKeyIds() : liveKeyIds;
    return (live = new Set([...keyIds].map((k) => k.toLowerCase())));
  };
  let listedFirst: Set<string> | undefined;
  let restored = false;
  for (let round = 0; round < SETTLE_ROUNDS; round++) {
    const current = await store.currentVersion(name, budget);
    if (!current) return 'empty';
    if (current.enabled && !restored) return 'unchanged';
    const versions = await store.listVersions(name, budget);
    listedFirst ??= new Set(versions.map((v) => v.version));
    const written = listedFirst;
    const enabled = versions.filter((v) => v.enabled);
    const liveNow = enabled.length > 0 ? await liveSet() : new Set<string>();
    const candidates = enabled.filter((v) => liveNow.has(v.tags.keyId?.toLowerCase() ?? '') || !written.has(v.version));
    const target = newest(versions, candidates);
    if (!target) return current.enabled ? 'restored' : 'empty';
    if (current.enabled && sameCredential(versions, current.version, target.version)) return 'restored';
    await store.restoreVersion(
      name,
      target.version,
      { ...target.tags, [RESTORED_FROM_TAG]: target.tags[RESTORED_FROM_TAG] ?? target.version },
      budget,
    );
    restored = true;
  }
  return 'restored';
}
