import { PasswordCredentialInfo } from './ports';
import { DAY_MS } from './units';

/** Where a credential stands, most urgent first: expired, over policy, expiring, active. */
export type CredentialStatus = 'expired' | 'overPolicy' | 'expiring' | 'active';

/** The thresholds a credential is judged by. */
export interface StatusThresholds {
  maxLifetimeDays: number;
  expiringWithinDays: number;
}

/**
 * Classifies a credential at instant `now`. `overPolicy` means its whole lifetime (start to end) is longer than this
 * deployment allows — typically a secret made by hand with Graph's two-year default. The boundaries: `expired` from
 * its end on (end ≤ now); `expiring` once *fewer* than `expiringWithinDays` days are left, a day that has begun
 * counting whole (⌈(end − now) / 1 day⌉ < expiringWithinDays). So a brand-new secret of exactly that lifetime is
 * `active` for its first day, not `expiring` from the moment it is issued.
 */
export function classifyCredential(
  credential: Pick<PasswordCredentialInfo, 'startDateTime' | 'endDateTime'>,
  thresholds: StatusThresholds,
  now: Date,
): CredentialStatus {
  const start = Date.parse(credential.startDateTime);
  const end = Date.parse(credential.endDateTime);
  if (end <= now.getTime()) return 'expired';
  if (end - start > thresholds.maxLifetimeDays * DAY_MS) return 'overPolicy';
  if (Math.ceil((end - now.getTime()) / DAY_MS) < thresholds.expiringWithinDays) return 'expiring';
  return 'active';
}

/**
 * What the expiry scan calls a credential, most urgent first: `expired`; `orphaned` (its secret is in no vault version
 * this product wrote — made by hand, or lost in flight); `overPolicy`; `expiring`; `healthy`. Works for any credential
 * with a validity window (password or key), so key credentials are judged by the same rules.
 */
export type ScanClass = 'expired' | 'orphaned' | 'overPolicy' | 'expiring' | 'healthy';

/** Classifies a credential for the scan at instant `now`; `stored` says whether a vault version carries its keyId. */
export function classifyForScan(
  credential: Pick<PasswordCredentialInfo, 'startDateTime' | 'endDateTime'>,
  stored: boolean,
  thresholds: StatusThresholds,
  now: Date,
): ScanClass {
  const status = classifyCredential(credential, thresholds, now);
  if (status === 'expired') return 'expired';
  if (!stored) return 'orphaned';
  return status === 'active' ? 'healthy' : status;
}
