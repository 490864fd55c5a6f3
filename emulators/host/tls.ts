import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { newRsaKeyPair, signedCertificate } from './x509';

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

/** A certificate valid from 5 minutes ago for 30 days. */
function thirtyDayCertificate(options: Omit<Parameters<typeof signedCertificate>[0], 'notBefore' | 'notAfter'>) {
  const now = Date.now();
  return signedCertificate({
    ...options,
    notBefore: new Date(now - 5 * 60 * 1000),
    notAfter: new Date(now + 30 * 24 * 3600 * 1000),
  });
}

/**
 * Creates a fresh CA and a server certificate for 127.0.0.1 and localhost signed by it, and writes both to `dir`.
 * A new CA every start means no long-lived trust anchor is left on the machine.
 */
export function generateTlsMaterial(dir: string): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  const ca = newRsaKeyPair();
  const caSubject = [{ name: 'commonName', value: 'entra-app-vending local emulator CA' }];
  const caCert = thirtyDayCertificate({
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

  const server = newRsaKeyPair();
  const serverCert = thirtyDayCertificate({
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
