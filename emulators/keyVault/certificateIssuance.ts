import { createPublicKey } from 'node:crypto';
import forge from 'node-forge';
import { certificateDer, newRsaKeyPair, signedCertificate } from '../host/x509';
import { badParameter } from './keyVaultErrors';
import { IssuancePolicy, PKCS12 } from './certificatePolicy';

/** A self-issued certificate and everything Key Vault derives from it. */
export interface IssuedCertificate {
  der: Buffer;
  privateKeyPem: string;
  /** The public JWK members, base64url. */
  n: string;
  e: string;
  keyOps: string[];
  notBefore: Date;
  notAfter: Date;
  /** What the certificate's secret holds: PFX (base64) or PEM, with the private key only when exportable. */
  secretValue: string;
}

/** Subject attributes Key Vault accepts, by their short names. */
const SUBJECT_NAMES = new Set(['CN', 'O', 'OU', 'L', 'ST', 'C', 'E']);
/** EKU OIDs forge can name. */
const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
};
/** Key usages → the key operations Key Vault allows on the certificate's key. */
const KEY_OPS: Record<string, readonly string[]> = {
  digitalSignature: ['sign', 'verify'],
  nonRepudiation: ['sign', 'verify'],
  keyEncipherment: ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt'],
  dataEncipherment: ['encrypt', 'decrypt'],
};

/** `CN=orders, O=Contoso` → forge's subject fields. Wording of the error unverified. */
function parseSubject(subject: string): forge.pki.CertificateField[] {
  if (subject === '') return [];
  return subject.split(/,(?=\s*[A-Za-z]+=)/).map((part) => {
    const at = part.indexOf('=');
    const shortName = part.slice(0, at).trim().toUpperCase();
    const value = part.slice(at + 1).trim();
    if (at < 1 || !SUBJECT_NAMES.has(shortName) || value === '') {
      throw badParameter(`The subject name '${subject}' is invalid.`);
    }
    return { shortName, value };
  });
}

function addMonths(date: Date, months: number): Date {
  const out = new Date(date.getTime());
  out.setUTCMonth(out.getUTCMonth() + months);
  return out;
}

function extensions(policy: IssuancePolicy): object[] {
  const keyUsage: Record<string, unknown> = { name: 'keyUsage', critical: true };
  for (const usage of policy.keyUsage) keyUsage[usage] = true;
  const extKeyUsage: Record<string, unknown> = { name: 'extKeyUsage' };
  for (const oid of policy.ekus) if (EKU_NAMES[oid]) extKeyUsage[EKU_NAMES[oid]] = true;
  return [
    { name: 'basicConstraints', cA: false },
    keyUsage,
    extKeyUsage,
    { name: 'subjectKeyIdentifier' },
    ...(policy.dnsNames.length > 0
      ? [{ name: 'subjectAltName', altNames: policy.dnsNames.map((value) => ({ type: 2, value })) }]
      : []),
  ];
}

/** The certificate's secret: PFX without a password, or PEM (key first, as Key Vault writes it). */
function secretValue(policy: IssuancePolicy, cert: forge.pki.Certificate, privateKeyPem: string): string {
  if (policy.contentType === PKCS12) {
    const key = policy.exportable ? forge.pki.privateKeyFromPem(privateKeyPem) : null;
    const pfx = forge.pkcs12.toPkcs12Asn1(key, [cert], null, { useMac: false });
    return Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary').toString('base64');
  }
  return `${policy.exportable ? privateKeyPem : ''}${forge.pki.certificateToPem(cert)}`;
}

/**
 * Issues a self-signed certificate as the `Self` issuer does: a new RSA key of the policy's size, valid from now (to
 * the second) for `validity_months`, with the policy's subject, SANs, key usages and EKUs.
 */
export function issueSelfSigned(policy: IssuancePolicy, now: Date): IssuedCertificate {
  const subject = parseSubject(policy.subject);
  const pair = newRsaKeyPair(policy.keySize);
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = addMonths(notBefore, policy.validityMonths);
  const cert = signedCertificate({
    publicKey: pair.publicKey,
    subject,
    issuer: subject,
    extensions: extensions(policy),
    signer: pair.privateKey,
    notBefore,
    notAfter,
  });
  const jwk = createPublicKey(pair.privateKeyPem).export({ format: 'jwk' });
  return {
    der: certificateDer(cert),
    privateKeyPem: pair.privateKeyPem,
    n: jwk.n!,
    e: jwk.e!,
    keyOps: [...new Set(policy.keyUsage.flatMap((usage) => KEY_OPS[usage] ?? []))],
    notBefore,
    notAfter,
    secretValue: secretValue(policy, cert, pair.privateKeyPem),
  };
}
