import { NotFoundError, OwnershipRuleError } from './errors';
import { Caller, TaggedApplication } from './ports';
import { isGuid } from './units';

/**
 * Who may manage which app. An app's owners (object ids of users, groups or service principals) live on the
 * application object itself as tags `vending:owner:<objectId>`: written in the create call, read with the app, so
 * ownership costs no extra Graph call and survives the loss of any database. Only principals that may write the
 * application object (this API's identity, as its Entra owner, and tenant administrators) can change them.
 */

/** The app roles of the vending API (its app registration declares them; callers hold them in `roles`). */
export const APP_ROLES = {
  /** Create app registrations; the caller becomes their owner. */
  appCreate: 'App.Create',
  /** Add, list and revoke secrets of apps the caller owns. */
  secretCreate: 'Secret.Create',
  /** Everything, on every app this API's identity owns. */
  admin: 'Admin',
} as const;

/** One of the vending API's app roles. */
export type AppRole = (typeof APP_ROLES)[keyof typeof APP_ROLES];

/** Prefix of the tags that name an app's owners. */
export const OWNER_TAG_PREFIX = 'vending:owner:';

/** Most owners an app may have: tags are few and a PUT replaces the whole list. */
export const MAX_OWNERS = 20;

/** The tag naming `objectId` as an owner. */
export function ownerTag(objectId: string): string {
  return `${OWNER_TAG_PREFIX}${objectId.toLowerCase()}`;
}

/** The owners named by an app's tags, lower-cased, each once, in tag order; other tags are ignored. */
export function ownersFromTags(tags: readonly string[]): string[] {
  const owners = tags
    .filter((tag) => tag.toLowerCase().startsWith(OWNER_TAG_PREFIX))
    .map((tag) => tag.slice(OWNER_TAG_PREFIX.length).toLowerCase())
    .filter(isGuid);
  return [...new Set(owners)];
}

/** `tags` with its owner tags replaced by those of `owners`; every other tag is kept as it was, in place. */
export function tagsWithOwners(tags: readonly string[], owners: readonly string[]): string[] {
  const others = tags.filter((tag) => !tag.toLowerCase().startsWith(OWNER_TAG_PREFIX));
  return [...others, ...owners.map(ownerTag)];
}

/** True if the caller holds `Admin`, which reaches every app this identity owns. */
export function isAdmin(caller: Caller): boolean {
  return caller.roles.includes(APP_ROLES.admin);
}

/** True if the caller may manage an app with these owners: as an owner, through one of its groups, or as Admin. */
export function mayManage(caller: Caller, owners: readonly string[]): boolean {
  if (isAdmin(caller)) return true;
  const ids = new Set([caller.id, ...caller.groups].map((id) => id.toLowerCase()));
  return owners.some((owner) => ids.has(owner.toLowerCase()));
}

/** Throws the same NotFoundError as for a missing app unless the caller may manage `application`. */
export function requireManageable(caller: Caller, application: Pick<TaggedApplication, 'appId' | 'tags'>): void {
  if (!mayManage(caller, ownersFromTags(application.tags))) {
    throw new NotFoundError(`Application ${application.appId} was not found, or it is not managed by this API.`);
  }
}

/** Checks an owner list: one to {@link MAX_OWNERS} object ids; returns them lower-cased, each once, in order. */
export function checkOwners(owners: readonly string[]): string[] {
  const unique = [...new Set(owners.map((owner) => owner.toLowerCase()))];
  const bad = unique.find((owner) => !isGuid(owner));
  if (bad !== undefined) throw new OwnershipRuleError(`Owner '${bad}' is not an object id (a GUID).`);
  if (unique.length === 0) throw new OwnershipRuleError('An application must keep at least one owner.');
  if (unique.length > MAX_OWNERS) {
    throw new OwnershipRuleError(`An application may have at most ${MAX_OWNERS} owners.`);
  }
  return unique;
}

/** The owners of a new app: the caller first (the creator always owns what it creates), then those it names. */
export function ownersAtCreation(caller: Caller, named: readonly string[] = []): string[] {
  return checkOwners([caller.id, ...named]);
}
