import { X509Certificate } from 'node:crypto';
import { CertificateRefusedError, InvalidRequestError } from './errors';

/** The smallest keys accepted: RSA 2048 bits, or an EC key on P-256 or a larger NIST curve. */
export const MIN_RSA_BITS = 2048;
const ACCEPTED_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];

/** A public certificate a caller brought, parsed. */
export interface UploadedCertificate {
  /** Base64 DER, as Graph takes it. */
  base64: string;
  thumbprint: string;
  notBefore: Date;
  notAfter: Date;
}

function rejected(message: string): CertificateRefusedError {
  return new CertificateRefusedError('CertificateRejected', message);
}

function notACertificate(detail: string): InvalidRequestError {
  return new InvalidRequestError(`certificate ${detail}.`, [{ pointer: '/certificate', detail }]);
}

/**
 * Parses the public certificate of a bring-your-own request (`-CertValue`: base64 DER, or PEM) and checks what can be
 * checked without a window: it is one X.509 certificate, carries no private key, is not expired at `now`, and its key
 * is RSA ≥ 2048 bits or EC on P-256/384/521. Malformed input is a 400; a certificate that fails a rule is a 422.
 */
export function parseUploadedCertificate(text: string, now: Date): UploadedCertificate {
  if (/PRIVATE KEY/.test(text)) throw notACertificate('must hold the public certificate only, never a private key');
  const pem = text.includes('-----BEGIN CERTIFICATE-----');
  const compact = text.replace(/\s+/g, '');
  if (!pem && !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw notACertificate('is not base64 or PEM');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem ? Buffer.from(text) : Buffer.from(compact, 'base64'));
  } catch {
    throw notACertificate('is not an X.509 certificate');
  }
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw rejected(`The certificate expired on ${notAfter.toISOString()}.`);
  }
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw rejected(
        `The certificate's RSA key has ${details.modulusLength} bits; at least ${MIN_RSA_BITS} are required.`,
      );
    }
  } else if (key.asymmetricKeyType === 'ec') {
    if (!ACCEPTED_CURVES.includes(details.namedCurve ?? '')) {
      throw rejected(
        `The certificate's EC key is on ${details.namedCurve ?? 'an unknown curve'}; P-256, P-384 or P-521 is required.`,
      );
    }
  } else {
    throw rejected(
      `The certificate's ${key.asymmetricKeyType ?? 'unknown'} key is not accepted; use RSA (≥ ${MIN_RSA_BITS} bits) or EC (P-256 or larger).`,
    );
  }
  return {
    base64: certificate.raw.toString('base64'),
    thumbprint: certificate.fingerprint.replace(/:/g, ''),
    notBefore,
    notAfter,
  };
}

/** The credential's window must lie within the certificate's validity (Graph refuses it otherwise). */
export function requireValidityCovers(certificate: UploadedCertificate, start: Date, end: Date): void {
  if (start.getTime() < certificate.notBefore.getTime() || end.getTime() > certificate.notAfter.getTime()) {
    throw rejected(
      `The certificate is valid from ${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()}, which does not cover the credential's window ${start.toISOString()} – ${end.toISOString()}; ask for a shorter lifetime or bring a certificate valid longer.`,
    );
  }
}
