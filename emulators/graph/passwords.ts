import { createHash, randomInt, randomUUID } from 'node:crypto';
import { badRequest, invalidPropertyValue, readOnlyProperty } from './graphErrors';
import { PasswordCredentialRecord } from './graphStore';

const HEAD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TAIL_ALPHABET = HEAD_ALPHABET + '_~.-';

function randomString(length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** A client secret shaped like Entra's current ones: 40 characters, `xxx8Q~` then 34 more. */
export function generateSecretText(): string {
  return `${randomString(3, HEAD_ALPHABET)}8Q~${randomString(34, TAIL_ALPHABET)}`;
}

/** What the store keeps of a secret so Entra can check it at sign-in: its SHA-256, hex. */
export function secretHash(secretText: string): string {
  return createHash('sha256').update(secretText, 'utf8').digest('hex');
}

/** Graph's DateTimeOffset rendering: 7 fractional digits and `Z`. */
export function graphDate(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** start + 2 calendar years, Graph's default password lifetime. */
export function defaultEnd(start: Date): Date {
  const end = new Date(start.getTime());
  end.setUTCFullYear(end.getUTCFullYear() + 2);
  return end;
}

/** Reads an optional DateTimeOffset property of a request body; a value that is no date fails as OData does. */
export function readDate(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/i.test(value.trim())) {
    throw badRequest(
      `Cannot convert the literal '${JSON.stringify(value)}' to the expected type 'Edm.DateTimeOffset'.`,
      'BadRequest',
    );
  }
  const date = new Date(value.trim());
  if (Number.isNaN(date.getTime())) {
    throw badRequest(`Cannot convert the literal '${value}' to the expected type 'Edm.DateTimeOffset'.`, 'BadRequest');
  }
  return date;
}

/** Checks start/end as Entra does for credentials: the end must lie after the start. */
export function checkCredentialDates(start: Date, end: Date): void {
  if (end.getTime() <= start.getTime()) {
    throw badRequest('Key credential end date is invalid.', 'KeyCredentialsInvalidEndDate');
  }
}

/**
 * Parses an ISO-8601 duration (`P30D`, `PT12H`, `P1Y2M3DT4H5M6S`, `P2W`) into milliseconds.
 * Years count 365 days and months 30 days, as a lifetime cap needs no calendar.
 */
export function parseIsoDuration(text: string): number | undefined {
  const match =
    /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      text.trim(),
    );
  if (!match || /^PT?$/i.test(text.trim())) return undefined;
  const [, y, mo, w, d, h, mi, s] = match.map((part) => (part === undefined ? 0 : Number(part)));
  const days = (y ?? 0) * 365 + (mo ?? 0) * 30 + (w ?? 0) * 7 + (d ?? 0);
  return ((days * 24 + (h ?? 0)) * 60 + (mi ?? 0)) * 60_000 + (s ?? 0) * 1000;
}

/** The tenant's app-management policy for password lifetimes (only the part this emulator enforces). */
export interface PasswordPolicy {
  passwordMaxLifetime: string;
  maxLifetimeMs: number;
  policyId: string;
}

/** The id of the tenant-wide default app management policy. */
export const DEFAULT_POLICY_ID = '00000000-0000-0000-0000-000000000000';

export function checkLifetime(policy: PasswordPolicy | undefined, start: Date, end: Date): void {
  if (policy && end.getTime() - start.getTime() > policy.maxLifetimeMs) {
    throw badRequest(
      `Credential lifetime exceeds the max value allowed as per assigned policy '${policy.policyId}'.`,
      'CredentialInvalidLifetimeAsPerAppPolicy',
    );
  }
}

/**
 * A new password credential from a request's `passwordCredential` shape (addPassword, or inline on create): checks
 * the read-only properties, the dates and the tenant's lifetime policy. `secretText` exists only in the answer.
 */
export function newPasswordCredential(
  input: Record<string, unknown>,
  policy: PasswordPolicy | undefined,
  now: Date,
): { record: PasswordCredentialRecord; secretText: string } {
  for (const name of ['keyId', 'secretText', 'hint', 'customKeyIdentifier']) {
    if (input[name] !== undefined && input[name] !== null) throw readOnlyProperty(name);
  }
  const displayName = input.displayName;
  if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') {
    throw invalidPropertyValue('displayName', 'PasswordCredential');
  }
  const start = readDate(input.startDateTime) ?? now;
  const end = readDate(input.endDateTime) ?? defaultEnd(start);
  checkCredentialDates(start, end);
  checkLifetime(policy, start, end);
  const secretText = generateSecretText();
  return {
    record: {
      keyId: randomUUID(),
      displayName: displayName ?? null,
      hint: secretText.slice(0, 3),
      startDateTime: graphDate(start),
      endDateTime: graphDate(end),
      secretHash: secretHash(secretText),
    },
    secretText,
  };
}
