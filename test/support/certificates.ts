import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { certificateDer, newRsaKeyPair, signedCertificate } from '../../emulators/host/x509';

/** A test certificate: its public parts in the forms the APIs take, and the private key to sign assertions with. */
export interface TestCertificate {
  /** Base64 DER: Graph's `key`, the API's bring-your-own `certificate`. */
  base64: string;
  pem: string;
  privateKeyPem: string;
  /** SHA-1 thumbprint, upper-case hex (Graph's default customKeyIdentifier). */
  thumbprint: string;
  notBefore: Date;
  notAfter: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A self-signed RSA certificate, valid `fromDays`..`toDays` around now (negative = in the past). */
export function testCertificate(
  options: { fromDays?: number; toDays?: number; modulusLength?: number; subject?: string } = {},
): TestCertificate {
  const pair = newRsaKeyPair(options.modulusLength ?? 2048);
  const subject = [{ shortName: 'CN', value: options.subject ?? 'test-certificate' }];
  const now = Date.now();
  const notBefore = new Date(Math.floor((now + (options.fromDays ?? -1) * DAY_MS) / 1000) * 1000);
  const notAfter = new Date(Math.floor((now + (options.toDays ?? 365) * DAY_MS) / 1000) * 1000);
  const cert = signedCertificate({
    publicKey: pair.publicKey,
    subject,
    issuer: subject,
    extensions: [{ name: 'keyUsage', digitalSignature: true, critical: true }],
    signer: pair.privateKey,
    notBefore,
    notAfter,
  });
  const der = certificateDer(cert);
  return {
    base64: der.toString('base64'),
    pem: forge.pki.certificateToPem(cert),
    privateKeyPem: pair.privateKeyPem,
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    notBefore,
    notAfter,
  };
}
