import { classifyForScan, StatusThresholds } from '../credentialStatus';
import { OwnedApplication, StoredSecretVersionInfo } from '../ports';
import { CREDENTIAL_DISPLAY_NAME_PATTERN } from '../secretNaming';
import { DAY_MS } from '../units';
import { CredentialKind, CredentialType, PASSWORD_CREDENTIALS, ScanCredential } from './credentialKinds';
import { FindingClass, ScanAction } from './findings';
import { rotationOptIn, rotatesSlot } from './rotationTags';
import { ScanActionSwitch } from './scanSettings';
import { VaultSlot } from './vaultIndex';

/** A vault slot of an app, with every version when they were listed (only where a decision needs them). */
export interface SlotView {
  slot: VaultSlot;
  versions?: StoredSecretVersionInfo[];
}

/** The rules an assessment applies, at one instant (the thresholds are those of the kind being judged). */
export interface AssessmentRules {
  thresholds: StatusThresholds;
  graceDays: number;
  rotationOverlapDays: number;
  now: Date;
}

/** A credential or vault version judged: its class, the action the rules call for, which switch governs it, when due. */
export interface Assessment {
  appId: string;
  keyId: string;
  credentialType: CredentialType;
  class: FindingClass;
  action: ScanAction;
  /** The setting that switches the action on or off (none for `none`). */
  switch?: ScanActionSwitch;
  /** The action may run from this instant on (absent: at once). */
  due?: Date;
  credential?: ScanCredential;
  /** The vault object (secret or certificate) of the credential's slot, when a version of it holds the credential. */
  vaultName?: string;
  /** The version the action disables, when the slot's versions were listed and it is enabled. */
  version?: StoredSecretVersionInfo;
}

const slotPattern = new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN);

/**
 * The vault object name (lower case) a credential of `kind` would be stored under (by default a secret), if its
 * displayName is a slot.
 */
export function slotNameOf(
  appId: string,
  displayName: string | null,
  kind: CredentialKind = PASSWORD_CREDENTIALS,
): string | undefined {
  return displayName && slotPattern.test(displayName) ? kind.vaultNameFor(appId, displayName) : undefined;
}

function credentialsBySlot(kind: CredentialKind, app: OwnedApplication): Map<string, ScanCredential[]> {
  const bySlot = new Map<string, ScanCredential[]>();
  for (const credential of kind.credentialsOf(app)) {
    const name = slotNameOf(app.appId, credential.displayName, kind);
    if (!name) continue;
    const list = bySlot.get(name);
    if (list) list.push(credential);
    else bySlot.set(name, [credential]);
  }
  return bySlot;
}

function sameKey(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/**
 * The slots of `app` (of `kind`, by default secrets) whose version list the scan must read, so the vault's list
 * (latest versions only) is enough everywhere else: a slot with more than one live credential (which version holds
 * which?), one whose latest version holds a credential that is gone (stale), or whose one credential has expired (its
 * version is disabled).
 */
export function slotsNeedingVersions(
  app: OwnedApplication,
  slots: readonly VaultSlot[],
  rules: AssessmentRules,
  kind: CredentialKind = PASSWORD_CREDENTIALS,
): VaultSlot[] {
  const bySlot = credentialsBySlot(kind, app);
  return slots.filter((slot) => {
    const live = bySlot.get(slot.name.toLowerCase()) ?? [];
    if (live.length > 1) return true;
    const only = live[0];
    if (!only) return slot.latestEnabled;
    if (!sameKey(only.keyId, slot.latestKeyId)) return true;
    return classifyForScan(only, true, rules.thresholds, rules.now) === 'expired';
  });
}

function after(instant: string | Date | undefined, days: number): Date | undefined {
  if (instant === undefined) return undefined;
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(ms + days * DAY_MS);
}

/** The midpoint of a credential's validity. */
function halfLife(credential: ScanCredential): Date {
  const start = Date.parse(credential.startDateTime);
  return new Date(start + (Date.parse(credential.endDateTime) - start) / 2);
}

/**
 * Enabled versions (of `kind`, by default secrets) tagged with a keyId no live credential of that kind has: `stale`,
 * disabled after the grace period.
 */
export function assessStaleVersions(
  appId: string,
  liveKeyIds: ReadonlySet<string>,
  views: readonly SlotView[],
  rules: AssessmentRules,
  kind: CredentialKind = PASSWORD_CREDENTIALS,
): Assessment[] {
  const stale: Assessment[] = [];
  for (const { slot, versions } of views) {
    for (const version of versions ?? []) {
      const keyId = version.tags.keyId?.toLowerCase();
      if (!version.enabled || !keyId || liveKeyIds.has(keyId)) continue;
      stale.push({
        appId,
        keyId,
        credentialType: kind.type,
        class: 'stale',
        action: 'disableVersion',
        switch: 'disableStale',
        due: after(version.createdOn, rules.graceDays),
        vaultName: slot.name,
        version,
      });
    }
  }
  return stale;
}

/**
 * Judges every credential of one kind (by default password credentials) of an owned app against its vault slots, and
 * the slots' versions against its credentials. Pure: the same app, slots, rules and vouched keyIds give the same answer.
 *
 * A credential is backed when a version of its slot carries its keyId, or when its keyId is in `vouched`: key
 * credentials the ledger records this API adding from a certificate the caller brought (no vault object exists for
 * those). An unbacked credential is `orphaned`.
 *
 * - `expired` → remove the credential (and disable its version) once `graceDays` have passed since it ended;
 * - `orphaned` → remove it once `graceDays` have passed since it started (a request may still be storing it);
 * - in a slot that opted in to rotation (kinds that rotate): the credential the latest version holds gets a successor (`rotate`) when
 *   `overPolicy`, or when `expiring` and past half its lifetime; a credential an older version holds was replaced, and is removed with its version
 *   once `rotationOverlapDays` have passed since the latest version was written (`removePredecessor`);
 * - vault versions whose credential is gone → `stale` (see {@link assessStaleVersions}).
 */
export function assessApplication(
  app: OwnedApplication,
  views: readonly SlotView[],
  rules: AssessmentRules,
  kind: CredentialKind = PASSWORD_CREDENTIALS,
  vouched: ReadonlySet<string> = new Set(),
): Assessment[] {
  const optIn = rotationOptIn(app.tags);
  const viewByName = new Map(views.map((v) => [v.slot.name.toLowerCase(), v]));
  const credentials = kind.credentialsOf(app);
  const liveKeyIds = new Set(credentials.map((c) => c.keyId.toLowerCase()));
  const assessments: Assessment[] = [];

  for (const credential of credentials) {
    const vaultName = slotNameOf(app.appId, credential.displayName, kind);
    const view = vaultName ? viewByName.get(vaultName) : undefined;
    const isLatest = view !== undefined && sameKey(credential.keyId, view.slot.latestKeyId);
    const version = view?.versions?.find((v) => sameKey(v.tags.keyId, credential.keyId));
    const stored = isLatest || version !== undefined;
    const backed = stored || vouched.has(credential.keyId.toLowerCase());
    const cls = classifyForScan(credential, backed, rules.thresholds, rules.now);
    const base = {
      appId: app.appId,
      keyId: credential.keyId,
      credentialType: kind.type,
      class: cls,
      credential,
      ...(stored && view ? { vaultName: view.slot.name } : {}),
      ...(version?.enabled ? { version } : {}),
    };

    if (cls === 'expired' || cls === 'orphaned') {
      const since = cls === 'expired' ? credential.endDateTime : credential.startDateTime;
      assessments.push({
        ...base,
        action: 'removeCredential',
        switch: cls === 'expired' ? 'removeExpired' : 'removeOrphaned',
        due: after(since, rules.graceDays),
      });
      continue;
    }
    const latest = view?.slot;
    const rotates =
      kind.rotates && rotatesSlot(optIn, credential.displayName) && latest !== undefined && latest.latestEnabled;
    if (rotates && !isLatest && liveKeyIds.has(latest.latestKeyId ?? '')) {
      // A newer version of the slot holds a live credential: this one was replaced; the versionless reference moved on.
      assessments.push({
        ...base,
        action: 'removePredecessor',
        switch: 'rotate',
        due: after(latest.latestCreatedOn ?? rules.now, rules.rotationOverlapDays),
      });
    } else if (rotates && isLatest && (cls === 'expiring' || cls === 'overPolicy')) {
      // Over policy: replace at once. Expiring: not before half its life, or a credential no longer than the expiring
      // window would be "expiring" from birth and its successor rotated again at the next run.
      assessments.push({
        ...base,
        action: 'rotate',
        switch: 'rotate',
        ...(cls === 'expiring' ? { due: halfLife(credential) } : {}),
      });
    } else {
      assessments.push({ ...base, action: 'none' });
    }
  }

  assessments.push(...assessStaleVersions(app.appId, liveKeyIds, views, rules, kind));
  return assessments;
}
