import { randomBytes, randomUUID } from 'node:crypto';
import { CertificateDependencies } from '../../../src/vending/dependencies';
import { NotFoundError } from '../../../src/vending/errors';
import {
  ApplicationInfo,
  CertificateStore,
  KeyCredentialDirectory,
  KeyCredentialInfo,
  KeyCredentialRequest,
  StoredCertificate,
  StoredCertificateVersionInfo,
} from '../../../src/vending/ports';
import { testCertificate } from '../../support/certificates';

/** Runs a fake body as an async call: its throw becomes a rejection. */
function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Owned apps and their key credentials in memory; records the credentials added (with their certificates). */
export class FakeKeyCredentialDirectory implements KeyCredentialDirectory {
  readonly apps = new Map<string, { info: ApplicationInfo; keys: (KeyCredentialInfo & { certificate: string })[] }>();
  failAdd: Error | undefined;

  seedApplication(): ApplicationInfo {
    const info = { id: randomUUID(), appId: randomUUID(), displayName: 'seeded' };
    this.apps.set(info.appId, { info, keys: [] });
    return info;
  }

  private owned(appId: string) {
    const app = this.apps.get(appId);
    if (!app) throw new NotFoundError(`no app ${appId}`);
    return app;
  }

  getOwnedKeyCredentials(appId: string) {
    return settle(() => {
      const app = this.owned(appId);
      return { application: app.info, keyCredentials: app.keys.map(({ certificate: _c, ...info }) => info) };
    });
  }

  addKeyCredential(appId: string, credential: KeyCredentialRequest) {
    return settle(() => {
      if (this.failAdd) throw this.failAdd;
      const info: KeyCredentialInfo = {
        keyId: credential.keyId,
        displayName: credential.displayName,
        thumbprint: credential.thumbprint,
        startDateTime: credential.startDateTime.toISOString(),
        endDateTime: credential.endDateTime.toISOString(),
      };
      this.owned(appId).keys.push({ ...info, certificate: credential.certificate });
      return info;
    });
  }

  removeKeyCredential(appId: string, keyId: string) {
    return settle(() => {
      const app = this.owned(appId);
      app.keys = app.keys.filter((k) => k.keyId !== keyId);
    });
  }
}

/** Certificates "made in the vault": real self-signed certificates valid for the months asked. */
export class FakeCertificateStore implements CertificateStore {
  readonly vaultUrl = 'https://kv-test.vault.azure.net';
  readonly versions: (StoredCertificateVersionInfo & { exportable: boolean })[] = [];
  readonly created: StoredCertificate[] = [];

  create(name: string, options: Parameters<CertificateStore['create']>[1]) {
    return settle(() => {
      const cert = testCertificate({ fromDays: 0, toDays: options.validityInMonths * 30, subject: options.subject });
      const version = randomBytes(16).toString('hex');
      const stored: StoredCertificate = {
        name,
        version,
        id: `${this.vaultUrl}/certificates/${name}/${version}`,
        keyId: `${this.vaultUrl}/keys/${name}/${version}`,
        secretId: `${this.vaultUrl}/secrets/${name}/${version}`,
        certificate: cert.base64,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
      };
      this.created.push(stored);
      this.versions.push({
        name,
        version,
        id: stored.id,
        enabled: true,
        tags: options.tags,
        exportable: options.exportable,
      });
      return stored;
    });
  }

  listVersions(name: string) {
    return settle(() => this.versions.filter((v) => v.name === name));
  }

  disableVersion(name: string, version: string) {
    return settle(() => {
      const found = this.versions.find((v) => v.name === name && v.version === version);
      if (found) found.enabled = false;
    });
  }
}

/** Certificate dependencies over the fakes: max 365, default 180 days, expiring within 30, the real clock. */
export function fakeCertificateDependencies(options: { allowExportable?: boolean } = {}) {
  const directory = new FakeKeyCredentialDirectory();
  const certificateStore = new FakeCertificateStore();
  const warn = jest.fn<void, [string, Record<string, string>]>();
  const deps: CertificateDependencies = {
    directory,
    certificateStore,
    lifetimePolicy: { maxDays: 365, defaultDays: 180 },
    allowExportable: options.allowExportable ?? false,
    expiringWithinDays: 30,
    clock: () => new Date(),
    warn,
  };
  return { directory, certificateStore, warn, deps };
}
