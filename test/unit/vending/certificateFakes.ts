import { randomBytes, randomUUID } from 'node:crypto';
import { CertificateDependencies } from '../../../src/vending/dependencies';
import { NotFoundError } from '../../../src/vending/errors';
import { ownerTag } from '../../../src/vending/ownership';
import {
  ApplicationInfo,
  CertificateStore,
  KeyCredentialDirectory,
  KeyCredentialInfo,
  KeyCredentialRequest,
  StoredCertificate,
  StoredCertificateSummary,
  StoredCertificateVersionInfo,
} from '../../../src/vending/ports';
import { testCertificate } from '../../support/certificates';
import { Call, FakeLedger, OWNER } from './fakes';

/** Runs a fake body as an async call: its throw becomes a rejection. */
function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

type KeyCredentialMethod = keyof KeyCredentialDirectory;
type CertificateStoreMethod = 'create' | 'listVersions' | 'disableVersion' | 'certificatePages';

/** Calls into `timeline` (as `<prefix>.<method>`), failing on demand: what both certificate fakes share. */
class Recorder<M extends string> {
  private readonly failures = new Map<M, Error>();
  private readonly lostAnswers = new Map<M, Error>();

  constructor(
    private readonly prefix: string,
    private readonly timeline: Call[],
  ) {}

  failOn(method: M, error: Error): void {
    this.failures.set(method, error);
  }

  recover(method: M): void {
    this.failures.delete(method);
    this.lostAnswers.delete(method);
  }

  /** `method` does its work, then fails with `error`: its answer was lost (a 5xx after the write, the deadline). */
  loseAnswerOf(method: M, error: Error): void {
    this.lostAnswers.set(method, error);
  }

  /** After the work of `method`: throws if its answer is to be lost. */
  leave(method: M): void {
    const lost = this.lostAnswers.get(method);
    if (lost) throw lost;
  }

  enter(method: M, args: unknown[]): void {
    this.timeline.push({ method: `${this.prefix}.${method}`, args });
    const failure = this.failures.get(method);
    if (failure) throw failure;
  }
}

/**
 * Owned apps with owner tags and key credentials in memory; records the credentials added (with their certificates)
 * and every call in the shared timeline; fails on demand.
 */
export class FakeKeyCredentialDirectory implements KeyCredentialDirectory {
  readonly apps = new Map<
    string,
    { info: ApplicationInfo; tags: string[]; keys: (KeyCredentialInfo & { certificate: string })[] }
  >();
  private readonly recorder: Recorder<KeyCredentialMethod>;

  constructor(timeline: Call[]) {
    this.recorder = new Recorder('directory', timeline);
  }

  failOn(method: KeyCredentialMethod, error: Error): void {
    this.recorder.failOn(method, error);
  }

  /** `method` takes effect, then fails with `error`. */
  loseAnswerOf(method: KeyCredentialMethod, error: Error): void {
    this.recorder.loseAnswerOf(method, error);
  }

  /** An app this identity owns, with owner tags for `owners` (by default {@link OWNER}). */
  seedApplication(owners: string[] = [OWNER.id]): ApplicationInfo {
    const info = { id: randomUUID(), appId: randomUUID(), displayName: 'seeded' };
    this.apps.set(info.appId, { info, tags: owners.map(ownerTag), keys: [] });
    return info;
  }

  private owned(appId: string) {
    const app = this.apps.get(appId);
    if (!app) throw new NotFoundError(`no app ${appId}`);
    return app;
  }

  getOwnedKeyCredentials(appId: string) {
    return settle(() => {
      this.recorder.enter('getOwnedKeyCredentials', [appId]);
      const app = this.owned(appId);
      return {
        application: { ...app.info, tags: [...app.tags] },
        keyCredentials: app.keys.map(({ certificate: _c, ...info }) => info),
      };
    });
  }

  addKeyCredential(appId: string, credential: KeyCredentialRequest) {
    return settle(() => {
      this.recorder.enter('addKeyCredential', [appId, credential]);
      const info: KeyCredentialInfo = {
        keyId: credential.keyId,
        displayName: credential.displayName,
        thumbprint: credential.thumbprint,
        startDateTime: credential.startDateTime.toISOString(),
        endDateTime: credential.endDateTime.toISOString(),
      };
      this.owned(appId).keys.push({ ...info, certificate: credential.certificate });
      this.recorder.leave('addKeyCredential');
      return info;
    });
  }

  removeKeyCredential(appId: string, keyId: string) {
    return settle(() => {
      this.recorder.enter('removeKeyCredential', [appId, keyId]);
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
  private readonly recorder: Recorder<CertificateStoreMethod>;

  constructor(timeline: Call[]) {
    this.recorder = new Recorder('certificateStore', timeline);
  }

  failOn(method: CertificateStoreMethod, error: Error): void {
    this.recorder.failOn(method, error);
  }

  /** Stops failing `method`. */
  recover(method: CertificateStoreMethod): void {
    this.recorder.recover(method);
  }

  /** `method` takes effect, then fails with `error`. */
  loseAnswerOf(method: CertificateStoreMethod, error: Error): void {
    this.recorder.loseAnswerOf(method, error);
  }

  create(name: string, options: Parameters<CertificateStore['create']>[1]) {
    return settle(() => {
      this.recorder.enter('create', [name, options]);
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
      this.recorder.leave('create');
      return stored;
    });
  }

  listVersions(name: string) {
    return settle(() => {
      this.recorder.enter('listVersions', [name]);
      return this.versions.filter((v) => v.name === name);
    });
  }

  disableVersion(name: string, version: string) {
    return settle(() => {
      this.recorder.enter('disableVersion', [name, version]);
      const found = this.versions.find((v) => v.name === name && v.version === version);
      if (found) found.enabled = false;
    });
  }

  /** The vault's certificate list: each certificate's latest version, 25 a page. */
  async *certificatePages(): AsyncIterable<StoredCertificateSummary[]> {
    const latest = new Map<string, StoredCertificateSummary>();
    for (const v of this.versions) {
      latest.set(v.name, { name: v.name, enabled: v.enabled, tags: { ...v.tags }, createdOn: v.createdOn });
    }
    const all = [...latest.values()];
    for (let start = 0; start === 0 || start < all.length; start += 25) {
      this.recorder.enter('certificatePages', [start]);
      yield await Promise.resolve(all.slice(start, start + 25));
    }
  }
}

/**
 * Certificate dependencies over the fakes and the in-memory ledger: max 365, default 180 days, expiring within 30,
 * the real clock (the fake vault makes real certificates, valid from now). `order()` lists every directory, vault and
 * ledger call in order.
 */
export function fakeCertificateDependencies(options: { allowExportable?: boolean } = {}) {
  const timeline: Call[] = [];
  const directory = new FakeKeyCredentialDirectory(timeline);
  const certificateStore = new FakeCertificateStore(timeline);
  const ledger = new FakeLedger(timeline);
  const warn = jest.fn<void, [string, Record<string, string>]>();
  const deps: CertificateDependencies = {
    directory,
    certificateStore,
    ledger,
    lifetimePolicy: { maxDays: 365, defaultDays: 180 },
    allowExportable: options.allowExportable ?? false,
    expiringWithinDays: 30,
    clock: () => new Date(),
    sleep: () => Promise.resolve(),
    warn,
  };
  const order = (): string[] => timeline.map((c) => c.method);
  return { directory, certificateStore, ledger, warn, deps, order };
}
