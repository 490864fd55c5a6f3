import { randomUUID, X509Certificate } from 'node:crypto';
import { isJsonObject } from '../host/jsonBody';
import { isGuid } from './addressing';
import { badRequest, invalidPropertyValue } from './graphErrors';
import { KeyCredentialRecord } from './graphStore';
import { graphDate, readDate } from './passwords';

/**
 * Graph's rules for key credentials written with the application (create or PATCH): the request's `keyCredentials`
 * is the whole new collection. Each entry names a public X.509 certificate (`key`, base64 DER), type
 * `AsymmetricX509Cert`, usage `Verify`; its window must lie within the certificate's validity. An entry whose `keyId`
 * is already on the app must be that credential unchanged. Messages marked unverified are plausible, not seen.
 */

function keyCredentialError(message: string, code = 'Request_BadRequest') {
  return badRequest(message, code);
}

function readCertificate(key: unknown): X509Certificate {
  if (typeof key !== 'string' || key.trim() === '') throw invalidPropertyValue('key', 'KeyCredential');
  try {
    return new X509Certificate(Buffer.from(key, 'base64'));
  } catch {
    // Unverified wording.
    throw invalidPropertyValue('key', 'KeyCredential');
  }
}

function readCustomKeyIdentifier(value: unknown, certificate: X509Certificate): string {
  if (value === undefined || value === null) return certificate.fingerprint.replace(/:/g, '');
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw invalidPropertyValue('customKeyIdentifier', 'KeyCredential');
  }
  return Buffer.from(value, 'base64').toString('base64');
}

/** One entry as the store keeps it; the window defaults to the certificate's validity. */
function readEntry(entry: Record<string, unknown>, now: Date): KeyCredentialRecord {
  const type = entry.type ?? 'AsymmetricX509Cert';
  if (type !== 'AsymmetricX509Cert') {
    // Unverified wording, patterned on the usage message below.
    throw keyCredentialError(
      'The value for the property "type" in one of your credentials is invalid. Acceptable values are AsymmetricX509Cert, X509CertAndPassword.',
    );
  }
  if (entry.usage !== 'Verify') {
    throw keyCredentialError(
      'The value for the property "usage" in one of your credentials is invalid. Acceptable values are Sign, Verify.',
    );
  }
  const certificate = readCertificate(entry.key);
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  const start = readDate(entry.startDateTime) ?? new Date(Math.max(now.getTime(), notBefore.getTime()));
  const end = readDate(entry.endDateTime) ?? notAfter;
  if (end.getTime() <= start.getTime() || end.getTime() > notAfter.getTime()) {
    throw keyCredentialError('Key credential end date is invalid.', 'KeyCredentialsInvalidEndDate');
  }
  if (start.getTime() < notBefore.getTime()) {
    // Unverified wording, patterned on the end-date message.
    throw keyCredentialError('Key credential start date is invalid.', 'KeyCredentialsInvalidStartDate');
  }
  const keyId = entry.keyId ?? randomUUID();
  if (typeof keyId !== 'string' || !isGuid(keyId)) throw invalidPropertyValue('keyId', 'KeyCredential');
  const displayName = entry.displayName ?? certificate.subject.replace(/\n/g, ', ');
  if (typeof displayName !== 'string') throw invalidPropertyValue('displayName', 'KeyCredential');
  return {
    keyId: keyId.toLowerCase(),
    displayName,
    customKeyIdentifier: readCustomKeyIdentifier(entry.customKeyIdentifier, certificate),
    startDateTime: graphDate(start),
    endDateTime: graphDate(end),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    key: certificate.raw.toString('base64'),
  };
}

function sameCredential(a: KeyCredentialRecord, b: KeyCredentialRecord): boolean {
  return (
    a.key === b.key &&
    Date.parse(a.startDateTime) === Date.parse(b.startDateTime) &&
    Date.parse(a.endDateTime) === Date.parse(b.endDateTime)
  );
}

/**
 * The new `keyCredentials` collection of an application from a request body's value: every entry checked, entries
 * naming an existing `keyId` kept only if unchanged (Graph refuses to update a credential in place).
 */
export function readKeyCredentials(
  value: unknown,
  existing: readonly KeyCredentialRecord[],
  now: Date,
): KeyCredentialRecord[] {
  if (!Array.isArray(value)) throw invalidPropertyValue('keyCredentials', 'Application');
  return value.map((entry: unknown) => {
    if (!isJsonObject(entry)) throw invalidPropertyValue('keyCredentials', 'Application');
    const record = readEntry(entry, now);
    const current = existing.find((c) => c.keyId === record.keyId);
    if (current && !sameCredential(current, record)) {
      throw keyCredentialError('Update to existing credential with KeyId is not allowed.');
    }
    return current ?? record;
  });
}
