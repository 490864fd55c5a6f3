import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

/** PEM material the emulators serve HTTPS with; `caCertPath` is what NODE_EXTRA_CA_CERTS must name. */
export interface TlsMaterial {
  caCertPath: string;
  caCertPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

const CA_FILE = 'ca.pem';
const CERT_FILE = 'server-cert.pem';
const KEY_FILE = 'server-key.pem';

function newKeyPair(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privateKeyPem: string } {
  // Node's native key generation is ~100x faster than forge's pure-JS one; forge only signs.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privateKeyPem: privateKey,
  };
}

function serialNumber(): string {
  // Positive, non-zero 16-byte serial as RFC 5280 asks.
  return '01' + randomBytes(15).toString('hex');
}

/** A certificate valid from 5 minutes ago for 30 days, signed with SHA-256 by `signer`. */
function signedCertificate(options: {
  publicKey: forge.pki.PublicKey;
  subject: forge.pki.CertificateField[];
  issuer: forge.pki.CertificateField[];
  extensions: object[];
  signer: forge.pki.rsa.PrivateKey;
}): forge.pki.Certificate {
  const now = Date.now();
  const cert = forge.pki.createCertificate();
  cert.publicKey = options.publicKey;
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(now + 30 * 24 * 3600 * 1000);
  cert.setSubject(options.subject);
  cert.setIssuer(options.issuer);
  cert.setExtensions(options.extensions);
  cert.sign(options.signer, forge.md.sha256.create());
  return cert;
}

/**
 * Creates a fresh CA and a server certificate for 127.0.0.1 and localhost signed by it, and writes both to `dir`.
 * A new CA every start means no long-lived trust anchor is left on the machine.
 */
export function generateTlsMaterial(dir: string): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  const ca = newKeyPair();
  const caSubject = [{ name: 'commonName', value: 'entra-app-vending local emulator CA' }];
  const caCert = signedCertificate({
    publicKey: ca.publicKey,
    subject: caSubject,
    issuer: caSubject,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    signer: ca.privateKey,
  });

  const server = newKeyPair();
  const serverCert = signedCertificate({
    publicKey: server.publicKey,
    subject: [{ name: 'commonName', value: 'localhost' }],
    issuer: caSubject,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ],
    signer: ca.privateKey,
  });

  const material: TlsMaterial = {
    caCertPath: join(dir, CA_FILE),
    caCertPem: forge.pki.certificateToPem(caCert),
    serverCertPem: forge.pki.certificateToPem(serverCert),
    serverKeyPem: server.privateKeyPem,
  };
  writeFileSync(material.caCertPath, material.caCertPem);
  writeFileSync(join(dir, CERT_FILE), material.serverCertPem);
  writeFileSync(join(dir, KEY_FILE), material.serverKeyPem, { mode: 0o600 });
  return material;
}

/** Reads material written by {@link generateTlsMaterial}, e.g. by a launcher that had to set NODE_EXTRA_CA_CERTS first. */
export function readTlsMaterial(dir: string): TlsMaterial {
  const caCertPath = join(dir, CA_FILE);
  if (!existsSync(caCertPath)) throw new Error(`No emulator CA in ${dir}; generate it first.`);
  return {
    caCertPath,
    caCertPem: readFileSync(caCertPath, 'utf8'),
    serverCertPem: readFileSync(join(dir, CERT_FILE), 'utf8'),
    serverKeyPem: readFileSync(join(dir, KEY_FILE), 'utf8'),
  };
}
