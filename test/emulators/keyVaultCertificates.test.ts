import {
  createHash,
  createPublicKey,
  KeyObject,
  X509Certificate,
  verify as verifySignature,
  constants,
} from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { CertificateClient, CertificatePolicy, KeyVaultCertificateWithPolicy } from '@azure/keyvault-certificates';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { SecretClient } from '@azure/keyvault-secrets';
import forge from 'node-forge';
import { principalCredential } from '../support/clients';
import { control, useEmulators, useFunctionIdentity } from '../support/emulators';
import { keyVaultFailure } from '../support/sdkErrors';
import { RequestLogEntry } from '../../emulators/host/serviceHost';

const POLL = { intervalInMs: 10 };
const OPTIONS = { disableChallengeResourceVerification: true };

function policy(overrides: Partial<CertificatePolicy> = {}): CertificatePolicy {
  return {
    issuerName: 'Self',
    subject: 'CN=orders-api',
    keyType: 'RSA',
    keySize: 2048,
    exportable: false,
    contentType: 'application/x-pkcs12',
    validityInMonths: 3,
    ...overrides,
  };
}

/** What a PFX (base64, no password) holds: how many private keys and certificates. */
function pfxContents(base64: string): { keys: number; certificates: number } {
  const p12 = forge.pkcs12.pkcs12FromAsn1(
    forge.asn1.fromDer(Buffer.from(base64, 'base64').toString('binary')),
    false,
    '',
  );
  const count = (bagType: string) => p12.getBags({ bagType })[bagType]?.length ?? 0;
  return {
    keys: count(forge.pki.oids.keyBag!) + count(forge.pki.oids.pkcs8ShroudedKeyBag!),
    certificates: count(forge.pki.oids.certBag!),
  };
}

describe('Key Vault emulator: certificates and keys through @azure/keyvault-certificates and -keys', () => {
  const emulators = useEmulators();
  const functionIdentity = useFunctionIdentity(emulators);

  const certificates = (credential: TokenCredential = functionIdentity()) =>
    new CertificateClient(emulators().endpoints.keyVault.url, credential, OPTIONS);
  const secretsAs = (name: string) =>
    new SecretClient(emulators().endpoints.keyVault.url, principalCredential(emulators().endpoints, name), OPTIONS);
  const cryptoAs = (name: string, keyId: string) =>
    new CryptographyClient(keyId, principalCredential(emulators().endpoints, name), OPTIONS);

  async function createCertificate(name: string, overrides: Partial<CertificatePolicy> = {}) {
    const poller = await certificates().beginCreateCertificate(name, policy(overrides), POLL);
    return poller.pollUntilDone();
  }

  let nonExportable: KeyVaultCertificateWithPolicy;
  let publicKey: KeyObject;
  beforeAll(async () => {
    nonExportable = await createCertificate('orders-signing');
    publicKey = new X509Certificate(Buffer.from(nonExportable.cer!)).publicKey;
  });

  it('creates a self-issued certificate through the pending operation: cer, x5t, kid, sid, policy, validity', async () => {
    const { endpoints } = emulators();
    const cert = nonExportable;
    const version = cert.properties.version!;
    expect(version).toMatch(/^[0-9a-f]{32}$/);
    expect(cert.properties.id).toBe(`${endpoints.keyVault.url}/certificates/orders-signing/${version}`);
    expect(cert.keyId).toBe(`${endpoints.keyVault.url}/keys/orders-signing/${version}`);
    expect(cert.secretId).toBe(`${endpoints.keyVault.url}/secrets/orders-signing/${version}`);
    const x509 = new X509Certificate(Buffer.from(cert.cer!));
    expect(x509.subject).toBe('CN=orders-api');
    expect(x509.issuer).toBe('CN=orders-api');
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(Buffer.from(cert.properties.x509Thumbprint!).toString('hex')).toBe(
      createHash('sha1').update(Buffer.from(cert.cer!)).digest('hex'),
    );
    expect(cert.properties.notBefore!.getTime()).toBe(new Date(x509.validFrom).getTime());
    expect(cert.properties.expiresOn!.getTime()).toBe(new Date(x509.validTo).getTime());
    const months =
      (cert.properties.expiresOn!.getUTCFullYear() - cert.properties.notBefore!.getUTCFullYear()) * 12 +
      cert.properties.expiresOn!.getUTCMonth() -
      cert.properties.notBefore!.getUTCMonth();
    expect(months).toBe(3);
    expect(cert.policy).toMatchObject({
      issuerName: 'Self',
      subject: 'CN=orders-api',
      exportable: false,
      keyType: 'RSA',
      keySize: 2048,
      contentType: 'application/x-pkcs12',
      validityInMonths: 3,
    });
    const operation = await certificates().getCertificateOperation('orders-signing', POLL);
    expect(operation.getOperationState().certificateOperation).toMatchObject({ status: 'completed' });
    expect((await certificates().getCertificatePolicy('orders-signing')).exportable).toBe(false);
  });

  it('answers create with 202 and a Location to the pending operation, then the first poll says completed', async () => {
    await control(emulators().endpoints.keyVault.control, 'DELETE', 'requests');
    await createCertificate('second-one');
    const log = await control<RequestLogEntry[]>(emulators().endpoints.keyVault.control, 'GET', 'requests');
    expect(log.filter((r) => r.status !== 401).map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', '/certificates/second-one/create', 202],
      ['GET', '/certificates/second-one/pending', 200],
      ['GET', '/certificates/second-one/', 200],
    ]);
  });

  it('keeps versions, and gets any of them', async () => {
    const v1 = await createCertificate('rolled');
    const v2 = await createCertificate('rolled');
    expect(v2.properties.version).not.toBe(v1.properties.version);
    const versions: string[] = [];
    for await (const p of certificates().listPropertiesOfCertificateVersions('rolled')) versions.push(p.version!);
    expect(versions.sort()).toEqual([v1.properties.version, v2.properties.version].sort());
    const first = await certificates().getCertificateVersion('rolled', v1.properties.version!);
    expect(Buffer.from(first.cer!)).toEqual(Buffer.from(v1.cer!));
    expect((await certificates().getCertificate('rolled')).properties.version).toBe(v2.properties.version);
    const missing = await keyVaultFailure(certificates().getCertificate('never-made'));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('CertificateNotFound');
  });

  it("never lets anyone read a non-exportable certificate's private key: the secret holds the certificate alone", async () => {
    const secret = await secretsAs('tenantAdmin').getSecret('orders-signing');
    expect(secret.properties.contentType).toBe('application/x-pkcs12');
    expect(secret.properties.managed).toBe(true);
    expect(secret.properties.certificateKeyId).toBe(nonExportable.keyId);
    expect(pfxContents(secret.value!)).toEqual({ keys: 0, certificates: 1 });

    const key = await new KeyClient(
      emulators().endpoints.keyVault.url,
      principalCredential(emulators().endpoints, 'tenantAdmin'),
      OPTIONS,
    ).getKey('orders-signing');
    expect(key.key?.d).toBeUndefined();
    expect(key.key?.keyOps).toEqual(expect.arrayContaining(['sign', 'verify']));
    expect(key.properties.managed).toBe(true);
  });

  it('puts the private key in the secret of an exportable certificate, as PFX or PEM', async () => {
    await createCertificate('exportable-pfx', { exportable: true });
    expect(pfxContents((await secretsAs('tenantAdmin').getSecret('exportable-pfx')).value!)).toEqual({
      keys: 1,
      certificates: 1,
    });
    const pem = await createCertificate('exportable-pem', { exportable: true, contentType: 'application/x-pem-file' });
    const value = (await secretsAs('tenantAdmin').getSecret('exportable-pem')).value!;
    expect(value).toContain('-----BEGIN PRIVATE KEY-----');
    const certPublic = new X509Certificate(Buffer.from(pem.cer!)).publicKey;
    expect(createPublicKey(value).export({ format: 'jwk' })).toEqual(certPublic.export({ format: 'jwk' }));
  });

  it("signs with the certificate's key inside the vault for a Key Vault Crypto User (RS256 and PS256)", async () => {
    const crypto = cryptoAs('workload', nonExportable.keyId!);
    const data = Buffer.from('header.payload');
    const digest = createHash('sha256').update(data).digest();
    const rs = await crypto.sign('RS256', digest);
    expect(rs.keyID).toBe(nonExportable.keyId);
    expect(verifySignature('sha256', data, publicKey, Buffer.from(rs.result))).toBe(true);
    const ps = await crypto.sign('PS256', digest);
    expect(
      verifySignature(
        'sha256',
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        Buffer.from(ps.result),
      ),
    ).toBe(true);
    expect((await crypto.verify('PS256', digest, ps.result)).result).toBe(true);
    expect((await crypto.verify('RS256', digest, ps.result)).result).toBe(false);
  });

  it('refuses signing to a principal without a crypto role, and a digest that does not fit the algorithm', async () => {
    const digest = createHash('sha256').update('x').digest();
    const refused = await keyVaultFailure(cryptoAs('operator', nonExportable.keyId!).sign('RS256', digest));
    expect(refused.statusCode).toBe(403);
    expect(refused.body?.error.innererror?.code).toBe('ForbiddenByRbac');
    expect(refused.body?.error.message).toContain("Action: 'Microsoft.KeyVault/vaults/keys/sign/action'");
    expect(refused.body?.error.message).toContain('/keys/orders-signing');
    const officer = await keyVaultFailure(
      new CryptographyClient(nonExportable.keyId!, functionIdentity(), OPTIONS).sign('RS256', digest),
    );
    expect(officer.statusCode).toBe(403);

    const short = await keyVaultFailure(cryptoAs('workload', nonExportable.keyId!).sign('RS256', digest.subarray(1)));
    expect(short.statusCode).toBe(400);
    expect(short.code).toBe('BadParameter');
  });

  it('disables a certificate version, and with it its key (no signing) and its secret (no reading)', async () => {
    const cert = await createCertificate('to-disable');
    const updated = await certificates().updateCertificateProperties('to-disable', cert.properties.version!, {
      enabled: false,
      tags: { revoked: 'true' },
    });
    expect(updated.properties.enabled).toBe(false);
    expect(updated.properties.tags).toEqual({ revoked: 'true' });
    const sign = await keyVaultFailure(
      cryptoAs('workload', cert.keyId!).sign('RS256', createHash('sha256').update('x').digest()),
    );
    expect(sign.statusCode).toBe(403);
    expect(sign.body?.error).toMatchObject({
      code: 'Forbidden',
      message: 'Operation sign is not allowed on a disabled key.',
      innererror: { code: 'KeyDisabled' },
    });
    const read = await keyVaultFailure(secretsAs('tenantAdmin').getSecret('to-disable'));
    expect(read.statusCode).toBe(403);
    expect(read.body?.error.innererror?.code).toBe('SecretDisabled');
  });

  it('lists every certificate with its versions, state and tags on the control plane (GET /_emulator/certificates)', async () => {
    const first = await createCertificate('listed', { subject: 'CN=listed' });
    await certificates().updateCertificateProperties('listed', first.properties.version!, { tags: { keyId: 'k1' } });
    const second = await createCertificate('listed');
    await certificates().updateCertificateProperties('listed', second.properties.version!, { enabled: false });
    const listed = await control<{ name: string; versions: unknown[] }[]>(
      emulators().endpoints.keyVault.control,
      'GET',
      'certificates',
    );
    expect(listed.find((c) => c.name === 'listed')).toEqual({
      name: 'listed',
      versions: [
        { version: first.properties.version, enabled: true, tags: { keyId: 'k1' } },
        { version: second.properties.version, enabled: false, tags: null },
      ],
    });
    expect(JSON.stringify(listed)).not.toMatch(/PRIVATE KEY|"der"|"cer"/);
  });

  it('refuses policies it does not emulate or the service does not accept', async () => {
    const size = await keyVaultFailure(
      certificates().beginCreateCertificate('bad-size', policy({ keySize: 1024 }), POLL),
    );
    expect(size.statusCode).toBe(400);
    expect(size.code).toBe('BadParameter');
    const issuer = await keyVaultFailure(
      certificates().beginCreateCertificate('other-issuer', policy({ issuerName: 'DigiCert' }), POLL),
    );
    expect(issuer.statusCode).toBe(501);
  });
});
