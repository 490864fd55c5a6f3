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
 * deployment allows — typically a secret made by hand with Graph's two-year default.
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
  if (end - now.getTime() <= thresholds.expiringWithinDays * DAY_MS) return 'expiring';
  return 'active';
}
