/** Milliseconds in one day; lifetimes and thresholds are whole days. */
export const DAY_MS = 24 * 60 * 60 * 1000;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True if `value` is a GUID in Graph's textual form (appId, keyId, object ids). */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** A service root without trailing slashes, so paths can be appended with one `/`. */
export function withoutTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}
