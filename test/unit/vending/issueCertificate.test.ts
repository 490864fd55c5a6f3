import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { parseUploadedCertificate } from '../../../src/vending/certificateCheck';
import {
  CertificatePolicyError,
  CertificateRejectedError,
  InvalidRequestError,
  LifetimePolicyError,
  NotFoundError,
  UpstreamFailureError,
} from '../../../src/vending/errors';
import { issueCertificate } from '../../../src/vending/issueCertificate';
import { listCertificates, revokeCertificate } from '../../../src/vending/listCertificates';
import { testCertificate } from '../../support/certificates';
import { fakeCertificateDependencies } from './certificateFakes';

const CALLER = { id: 'caller-oid', roles: [] };
const DAY_MS = 86_400_000;
const fixture = (name: string) => readFileSync(join(__dirname, '..', '..', 'fixtures', 'certificates', name), 'utf8');

describe('issueCertificate: Key Vault certificates', () => {
  it('creates a non-exportable certificate covering the window and adds its public part with the thumbprint', async () => {
    const { deps, directory, certificateStore } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    const issued = await issueCertificate(deps, app.appId, { lifetimeDays: 100 }, CALLER);
    const stored = certificateStore.created[0]!;
    expect(stored.name).toBe(`cert-${app.appId}-default`);
    expect(certificateStore.versions[0]).toMatchObject({
      exportable: false,
      tags: { appId: app.appId, keyId: issued.keyId, requestedBy: 'caller-oid', managedBy: 'entra-app-vending' },
    });
    const x509 = new X509Certificate(Buffer.from(stored.certificate, 'base64'));
    expect(issued.thumbprint).toBe(x509.fingerprint.replace(/:/g, ''));
    expect(Date.parse(issued.endDateTime)).toBeLessThanOrEqual(stored.notAfter.getTime());
    expect(Date.parse(issued.startDateTime)).toBeGreaterThanOrEqual(stored.notBefore.getTime());
    expect(Date.parse(issued.endDateTime) - Date.parse(issued.startDateTime)).toBeLessThanOrEqual(100 * DAY_MS);
    expect(issued.keyVault).toEqual({
      certificateName: stored.name,
      version: stored.version,
      certificateId: stored.id,
      keyId: stored.keyId,
      exportable: false,
      secret: null,
    });
    expect(directory.apps.get(app.appId)!.keys).toEqual([
      expect.objectContaining({ keyId: issued.keyId, certificate: stored.certificate }),
    ]);
  });

  it('answers a Key Vault reference only for an exportable certificate, and only where the deployment allows it', async () => {
    const refused = fakeCertificateDependencies();
    const app = refused.directory.seedApplication();
    await expect(issueCertificate(refused.deps, app.appId, { exportable: true }, CALLER)).rejects.toBeInstanceOf(
      CertificatePolicyError,
    );
    expect(refused.certificateStore.created).toEqual([]);

    const allowed = fakeCertificateDependencies({ allowExportable: true });
    const other = allowed.directory.seedApplication();
    const issued = await issueCertificate(allowed.deps, other.appId, { exportable: true, displayName: 'ci' }, CALLER);
    expect(issued.keyVault?.secret?.reference).toBe(
      `@Microsoft.KeyVault(SecretUri=https://kv-test.vault.azure.net/secrets/cert-${other.appId}-ci)`,
    );
  });

  it('refuses a lifetime beyond the maximum before touching Graph or Key Vault', async () => {
    const { deps, directory, certificateStore } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    await expect(issueCertificate(deps, app.appId, { lifetimeDays: 366 }, CALLER)).rejects.toBeInstanceOf(
      LifetimePolicyError,
    );
    expect(certificateStore.created).toEqual([]);
  });

  it('creates nothing for an app this identity does not own', async () => {
    const { deps, certificateStore } = fakeCertificateDependencies();
    await expect(issueCertificate(deps, '00000000-0000-0000-0000-000000000001', {}, CALLER)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(certificateStore.created).toEqual([]);
  });

  it('disables the certificate when Graph refuses the key credential', async () => {
    const { deps, directory, certificateStore } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    directory.failAdd = new UpstreamFailureError('refused', 'graph', 'Request_BadRequest');
    await expect(issueCertificate(deps, app.appId, {}, CALLER)).rejects.toBeInstanceOf(UpstreamFailureError);
    expect(certificateStore.versions.map((v) => v.enabled)).toEqual([false]);
  });
});

describe('issueCertificate: bring your own certificate', () => {
  it('adds an RSA certificate covering the window, without Key Vault', async () => {
    const { deps, directory, certificateStore } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    const own = testCertificate({ toDays: 400 });
    const issued = await issueCertificate(deps, app.appId, { certificate: own.pem, lifetimeDays: 30 }, CALLER);
    expect(issued).toMatchObject({ source: 'uploaded', keyVault: null, thumbprint: own.thumbprint });
    expect(certificateStore.created).toEqual([]);
  });

  it('accepts EC P-256 and refuses a smaller curve, RSA 1024, expired, too short and non-certificates', () => {
    const now = new Date();
    expect(parseUploadedCertificate(fixture('ec-p256.pem'), now).thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(() => parseUploadedCertificate(fixture('ec-p224.pem'), now)).toThrow(CertificateRejectedError);
    expect(() => parseUploadedCertificate(testCertificate({ modulusLength: 1024 }).base64, now)).toThrow(
      /RSA key has 1024 bits; at least 2048/,
    );
    expect(() => parseUploadedCertificate(testCertificate({ fromDays: -9, toDays: -1 }).base64, now)).toThrow(
      /expired/,
    );
    expect(() => parseUploadedCertificate('bm90IGEgY2VydGlmaWNhdGU=', now)).toThrow(InvalidRequestError);
    expect(() => parseUploadedCertificate('%%%', now)).toThrow(/not base64 or PEM/);
    const own = testCertificate();
    expect(() => parseUploadedCertificate(`${own.privateKeyPem}${own.pem}`, now)).toThrow(/never a private key/);
  });

  it('refuses a certificate that does not cover the window, and Key Vault options with it', async () => {
    const { deps, directory } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    const short = testCertificate({ toDays: 10 });
    await expect(issueCertificate(deps, app.appId, { certificate: short.base64 }, CALLER)).rejects.toThrow(
      /does not cover/,
    );
    await expect(
      issueCertificate(deps, app.appId, { certificate: short.base64, keySize: 4096 }, CALLER),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(directory.apps.get(app.appId)!.keys).toEqual([]);
  });
});

describe('listCertificates and revokeCertificate', () => {
  it('lists with status and the vault version; revoke removes the key credential and disables the certificate', async () => {
    const { deps, directory, certificateStore } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    const longer = await issueCertificate(deps, app.appId, { lifetimeDays: 200 }, CALLER);
    const soon = await issueCertificate(deps, app.appId, { lifetimeDays: 20, displayName: 'soon' }, CALLER);
    const listed = await listCertificates(deps, app.appId);
    expect(listed.certificates.map((c) => [c.keyId, c.status, c.keyVault?.enabled])).toEqual([
      [soon.keyId, 'expiring', true],
      [longer.keyId, 'active', true],
    ]);
    const revoked = await revokeCertificate(deps, app.appId, soon.keyId.toUpperCase());
    expect(revoked).toEqual({
      appId: app.appId,
      keyId: soon.keyId,
      disabledCertificateVersion: soon.keyVault!.version,
    });
    expect(certificateStore.versions.find((v) => v.version === soon.keyVault!.version)!.enabled).toBe(false);
    expect((await listCertificates(deps, app.appId)).certificates.map((c) => c.keyId)).toEqual([longer.keyId]);
    await expect(revokeCertificate(deps, app.appId, soon.keyId)).rejects.toBeInstanceOf(NotFoundError);
  });
});
