import { InvalidRequestError, LifetimePolicyError } from './errors';
import { DAY_MS } from './units';

/** How far a requested start may lie in the past (clock skew between caller and us) before it is refused. */
export const START_SKEW_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * How far ahead a secret may be made to start: a year. A credential is issued for use, not stockpiled; and with the
 * longest lifetime on top, every end stays far from Graph's limits (a start in year 9999 would end past it).
 */
export const START_HORIZON_DAYS = 365;

/** The lifetime rules of this deployment (from config). */
export interface LifetimePolicy {
  maxDays: number;
  defaultDays: number;
}

/** What a caller may ask for; all optional. `lifetimeDays` and `endDateTime` exclude each other. */
export interface LifetimeRequest {
  lifetimeDays?: number;
  startDateTime?: string;
  endDateTime?: string;
}

/** The validity window to send to Graph (always both ends: never Graph's two-year default). */
export interface CredentialWindow {
  startDateTime: Date;
  endDateTime: Date;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

function parseInstant(value: string, field: string, pointerBase: string): Date {
  // RFC 3339 with an explicit offset: a date-time without a zone would be read in the server's zone.
  const parts = RFC3339.exec(value);
  if (!parts) {
    throw new InvalidRequestError(
      `${field} must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T12:00:00Z.`,
      [{ pointer: `${pointerBase}/${field}`, detail: 'must be an RFC 3339 date-time with a time zone' }],
    );
  }
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map((p) => Number(p ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date would roll 2026-02-30 over to March 2 and 24:00 to the next day: refuse what is not on the calendar.
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const onCalendar =
    calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
  const instant = new Date(value);
  if (!onCalendar || hour > 23 || minute > 59 || second > 59 || Number.isNaN(instant.getTime())) {
    throw new InvalidRequestError(`${field} is not a valid date-time.`, [
      { pointer: `${pointerBase}/${field}`, detail: 'is not a valid date-time' },
    ]);
  }
  return instant;
}

function tooLong(policy: LifetimePolicy): LifetimePolicyError {
  return new LifetimePolicyError(
    `The requested lifetime exceeds the maximum of ${policy.maxDays} days allowed by this deployment.`,
    policy.maxDays,
  );
}

/**
 * Decides the validity window of a new secret under the policy, at instant `now`.
 * - start: the requested start (not more than a few minutes in the past, nor more than {@link START_HORIZON_DAYS}
 *   ahead), else now;
 * - end: `endDateTime`, else start + `lifetimeDays`, else start + the default lifetime;
 * - the window must be positive and at most `maxDays` long, or a {@link LifetimePolicyError} says the allowed maximum.
 * `pointerBase` is where the request sits in the body (`/secret` in a create), so problems point at the right field.
 */
export function decideCredentialWindow(
  request: LifetimeRequest,
  policy: LifetimePolicy,
  now: Date,
  pointerBase = '',
): CredentialWindow {
  if (request.lifetimeDays !== undefined && request.endDateTime !== undefined) {
    throw new InvalidRequestError('Give either lifetimeDays or endDateTime, not both.', [
      { pointer: `${pointerBase}/lifetimeDays`, detail: 'cannot be combined with endDateTime' },
    ]);
  }
  const start =
    request.startDateTime === undefined ? now : parseInstant(request.startDateTime, 'startDateTime', pointerBase);
  if (start.getTime() < now.getTime() - START_SKEW_TOLERANCE_MS) {
    throw new LifetimePolicyError('startDateTime must not lie in the past.', policy.maxDays);
  }
  if (start.getTime() > now.getTime() + START_HORIZON_DAYS * DAY_MS) {
    throw new LifetimePolicyError(
      `startDateTime must not lie more than ${START_HORIZON_DAYS} days ahead.`,
      policy.maxDays,
    );
  }
  let end: Date;
  if (request.endDateTime !== undefined) {
    end = parseInstant(request.endDateTime, 'endDateTime', pointerBase);
  } else {
    const days = request.lifetimeDays ?? policy.defaultDays;
    // Beyond the maximum is the policy's answer whatever the number (even one too large for a date): a 422 naming it.
    if (days > policy.maxDays) throw tooLong(policy);
    if (!Number.isInteger(days) || days < 1) {
      throw new InvalidRequestError('lifetimeDays must be a whole number of days, at least 1.', [
        { pointer: `${pointerBase}/lifetimeDays`, detail: 'must be an integer >= 1' },
      ]);
    }
    end = new Date(start.getTime() + days * DAY_MS);
  }
  if (end.getTime() <= start.getTime()) {
    throw new LifetimePolicyError('endDateTime must be after startDateTime.', policy.maxDays);
  }
  if (end.getTime() - start.getTime() > policy.maxDays * DAY_MS) throw tooLong(policy);
  return { startDateTime: start, endDateTime: end };
}
