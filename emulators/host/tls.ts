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

/**
 * Creates a fresh CA and a server certificate for 127.0.0.1 and localhost signed by it, and writes both to `dir`.
 * A new CA every start means no long-lived trust anchor is left on the machine.
 */
export function generateTlsMaterial(dir: string): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  const now = new Date();
  const notAfter = new Date(now.getTime() + 30 * 24 * 3600 * 1000);
  const notBefore = new Date(now.getTime() - 5 * 60 * 1000);

  const ca = newKeyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serialNumber();
  caCert.validity.notBefore = notBefore;
  caCert.validity.notAfter = notAfter;
  const caSubject = [{ name: 'commonName', value: 'entra-app-vending local emulator CA' }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const server = newKeyPair();
  const serverCert = forge.pki.createCertificate();
  serverCert.publicKey = server.publicKey;
  serverCert.serialNumber = serialNumber();
  serverCert.validity.notBefore = notBefore;
  serverCert.validity.notAfter = notAfter;
  serverCert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  serverCert.setIssuer(caSubject);
  serverCert.setExtensions([
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
  ]);
  serverCert.sign(ca.privateKey, forge.md.sha256.create());

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
