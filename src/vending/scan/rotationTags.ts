import { CREDENTIAL_DISPLAY_NAME_PATTERN } from '../secretNaming';

/**
 * Rotation opt-in lives on the application object, in Graph `tags` under this product's own prefix:
 * `vending:rotate:*` rotates every slot of the app, `vending:rotate:<slot>` one slot (a credential displayName).
 * Only this prefix is read or written here; other tags (owners, anyone else's) are kept as they are.
 */
export const ROTATION_TAG_PREFIX = 'vending:rotate:';

/** The slot value that means every slot of the app. */
export const ALL_SLOTS = '*';

/** Most slots one app may name (tags are few, and each PATCH replaces them all). */
export const MAX_ROTATION_SLOTS = 20;

const slotPattern = new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN);

/** Which slots of an app opted in to rotation. Slot names compare case-insensitively, as vault names do. */
export interface RotationOptIn {
  readonly allSlots: boolean;
  readonly slots: ReadonlySet<string>;
}

/** Reads the rotation opt-in from an app's tags; tags of other prefixes and malformed ones are ignored. */
export function rotationOptIn(tags: readonly string[]): RotationOptIn {
  let allSlots = false;
  const slots = new Set<string>();
  for (const tag of tags) {
    if (!tag.toLowerCase().startsWith(ROTATION_TAG_PREFIX)) continue;
    const slot = tag.slice(ROTATION_TAG_PREFIX.length);
    if (slot === ALL_SLOTS) allSlots = true;
    else if (slotPattern.test(slot)) slots.add(slot.toLowerCase());
  }
  return { allSlots, slots };
}

/** True if the scan rotates the credentials of `slot` (a credential displayName). */
export function rotatesSlot(optIn: RotationOptIn, slot: string | null | undefined): boolean {
  if (!slot) return false;
  return optIn.allSlots || optIn.slots.has(slot.toLowerCase());
}

/** The slots that opted in, as stored: `*` alone for every slot, else the slot names (lower case), sorted. */
export function rotationSlots(optIn: RotationOptIn): string[] {
  return optIn.allSlots ? [ALL_SLOTS] : [...optIn.slots].sort();
}

/**
 * `tags` with the rotation opt-in replaced by `slots` (`*` for every slot, or slot names; `[]` for none); every other
 * tag stays as it was, in order. Graph replaces the whole collection on PATCH, so callers read, apply this, and write
 * back. Throws RangeError for a slot that is not a credential displayName.
 */
export function tagsWithRotation(tags: readonly string[], slots: readonly string[]): string[] {
  for (const slot of slots) {
    if (slot !== ALL_SLOTS && !slotPattern.test(slot))
      throw new RangeError(`slot must match ${CREDENTIAL_DISPLAY_NAME_PATTERN}`);
  }
  const wanted = slots.includes(ALL_SLOTS) ? [ALL_SLOTS] : [...new Set(slots.map((s) => s.toLowerCase()))].sort();
  const kept = tags.filter((t) => !t.toLowerCase().startsWith(ROTATION_TAG_PREFIX));
  return [...kept, ...wanted.map((slot) => `${ROTATION_TAG_PREFIX}${slot}`)];
}
