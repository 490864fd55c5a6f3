import { randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUploadedCertificate } from '../../../src/vending/certificateCheck';
import {
  CertificateRefusedError,
  DeadlineExceededError,
  InvalidRequestError,
  LifetimePolicyError,
  NotFoundError,
  OperationUnfinishedError,
  TenantPolicyError,
  UpstreamFailureError,
  UpstreamUnavailableError,
} from '../../../src/vending/errors';
import { startDeadline } from '../../../src/vending/deadline';
import { issueCertificate } from '../../../src/vending/issueCertificate';
import { listCertificates, revokeCertificate } from '../../../src/vending/listCertificates';
import { APP_ROLES } from '../../../src/vending/ownership';
import { OperationIntent } from '../../../src/vending/ports';
import { testCertificate } from '../../support/certificates';
import { fakeCertificateDependencies } from './certificateFakes';
import { OWNER, requestContext, testCaller } from './fakes';

const CALLER = requestContext(OWNER);
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
      tags: { appId: app.appId, keyId: issued.keyId, requestedBy: OWNER.id, managedBy: 'entra-app-vending' },
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
    await expect(issueCertificate(refused.deps, app.appId, { exportable: true }, CALLER)).rejects.toMatchObject({
      code: 'CertificatePolicyViolation',
    });
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
    directory.failOn('addKeyCredential', new UpstreamFailureError('refused', 'graph', 'Request_BadRequest'));
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
    const p224 = (() => {
      try {
        return parseUploadedCertificate(fixture('ec-p224.pem'), now);
      } catch (error) {
        return error;
      }
    })();
    expect(p224).toBeInstanceOf(CertificateRefusedError);
    expect(p224).toMatchObject({ code: 'CertificateRejected', status: 422 });
    expect((p224 as Error).message).toMatch(/P-256, P-384 or P-521 is required/);
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
    const listed = await listCertificates(deps, app.appId, OWNER);
    expect(listed.certificates.map((c) => [c.keyId, c.status, c.keyVault?.enabled])).toEqual([
      [soon.keyId, 'expiring', true],
      [longer.keyId, 'active', true],
    ]);
    const revoked = await revokeCertificate(deps, app.appId, soon.keyId.toUpperCase(), CALLER);
    expect(revoked).toEqual({
      appId: app.appId,
      keyId: soon.keyId,
      disabledCertificateVersion: soon.keyVault!.version,
    });
    expect(certificateStore.versions.find((v) => v.version === soon.keyVault!.version)!.enabled).toBe(false);
    expect((await listCertificates(deps, app.appId, OWNER)).certificates.map((c) => c.keyId)).toEqual([longer.keyId]);
    // Idempotent: the same DELETE again answers as a success (the ledger knows the certificate), changing nothing.
    await expect(revokeCertificate(deps, app.appId, soon.keyId, CALLER)).resolves.toEqual(revoked);
    // A key credential this product never issued is still a 404.
    await expect(revokeCertificate(deps, app.appId, randomUUID(), CALLER)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('finishes a revocation whose key credential is already gone but whose certificate is still enabled (not a 404)', async () => {
    const { deps, directory, certificateStore } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    const issued = await issueCertificate(deps, app.appId, {}, CALLER);
    // Someone (or an earlier attempt) removed the key credential; the certificate still signs.
    await directory.removeKeyCredential(app.appId, issued.keyId);
    await expect(revokeCertificate(deps, app.appId, issued.keyId, CALLER)).resolves.toEqual({
      appId: app.appId,
      keyId: issued.keyId,
      disabledCertificateVersion: issued.keyVault!.version,
    });
    expect(certificateStore.versions.find((v) => v.version === issued.keyVault!.version)!.enabled).toBe(false);
  });
});

describe('certificates: who may', () => {
  const stranger = testCaller({ roles: [APP_ROLES.secretCreate] });

  it('answers not found to a caller that may not manage the app, for every operation, changing nothing', async () => {
    const { deps, directory, certificateStore, ledger } = fakeCertificateDependencies();
    const app = directory.seedApplication();
    const issued = await issueCertificate(deps, app.appId, {}, CALLER);
    const steps = ledger.steps.length;
    const asStranger = requestContext(stranger);
    await expect(issueCertificate(deps, app.appId, {}, asStranger)).rejects.toBeInstanceOf(NotFoundError);
    const own = testCertificate({ toDays: 400 });
    await expect(
      issueCertificate(deps, app.appId, { certificate: own.base64, lifetimeDays: 30 }, asStranger),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(listCertificates(deps, app.appId, stranger)).rejects.toBeInstanceOf(NotFoundError);
    await expect(revokeCertificate(deps, app.appId, issued.keyId, asStranger)).rejects.toBeInstanceOf(NotFoundError);
    expect(certificateStore.created).toHaveLength(1);
    expect(certificateStore.versions.map((v) => v.enabled)).toEqual([true]);
    expect(directory.apps.get(app.appId)!.keys.map((k) => k.keyId)).toEqual([issued.keyId]);
    // Who may is decided before anything is written ahead: no record of a refusal's intent.
    expect(ledger.steps).toHaveLength(steps);
  });

  it('lets in a member of an owning group, and Admin on any app this identity owns', async () => {
    const { deps, directory } = fakeCertificateDependencies();
    const group = randomUUID();
    const app = directory.seedApplication([group]);
    const member = testCaller({ roles: [APP_ROLES.secretCreate], groups: [group] });
    const added = await issueCertificate(deps, app.appId, {}, requestContext(member));
    const admin = testCaller({ roles: [APP_ROLES.admin] });
    expect((await listCertificates(deps, app.appId, admin)).certificates.map((c) => c.keyId)).toEqual([added.keyId]);
    await revokeCertificate(deps, app.appId, added.keyId, requestContext(admin));
    expect((await listCertificates(deps, app.appId, member)).certificates).toEqual([]);
  });
});

describe('certificates: the write-ahead record', () => {
  const ledgerDown = () => new UpstreamUnavailableError('ledger down', 503, 5, 'ledger');
  const graphDown = () => new UpstreamUnavailableError('graph down', 503, 5, 'graph');
  const vaultDown = () => new UpstreamUnavailableError('vault down', 503, 5, 'keyVault');
  const graphRefuses = () => new TenantPolicyError('the tenant refuses');

  function setup() {
    const fakes = fakeCertificateDependencies();
    return { ...fakes, app: fakes.directory.seedApplication() };
  }

  it('writes the intent before Key Vault creates the certificate, the progress beside the Graph write and the completion after it', async () => {
    const { deps, ledger, app, order } = setup();
    const issued = await issueCertificate(deps, app.appId, { displayName: 'ci', lifetimeDays: 30 }, CALLER);
    expect(order()).toEqual([
      'directory.getOwnedKeyCredentials', // who may: decided before anything is written ahead
      'ledger.begin',
      'certificateStore.create',
      'ledger.issued',
      'directory.addKeyCredential',
      'ledger.completed',
    ]);
    const [begin, progress, completed] = ledger.steps;
    const intent = (begin as { intent: OperationIntent }).intent;
    expect(intent).toEqual({
      operation: 'addCertificate',
      context: CALLER.trace,
      appId: app.appId,
      keyId: issued.keyId,
      credentialDisplayName: 'ci',
      startDateTime: expect.any(String) as string,
      endDateTime: issued.endDateTime,
    });
    expect(Date.parse(intent.startDateTime!)).toBeLessThanOrEqual(Date.parse(issued.startDateTime));
    expect(progress).toEqual({ step: 'issued', details: { appId: app.appId, keyId: issued.keyId } });
    expect(completed).toEqual({
      step: 'completed',
      details: {
        appId: app.appId,
        keyId: issued.keyId,
        certificateName: issued.keyVault!.certificateName,
        certificateVersion: issued.keyVault!.version,
      },
    });
    expect(ledger.open.size).toBe(0);
  });

  it('writes a brought certificate ahead too: intent, the Graph write, completion; Key Vault untouched', async () => {
    const { deps, ledger, app, order } = setup();
    const own = testCertificate({ toDays: 400 });
    const issued = await issueCertificate(deps, app.appId, { certificate: own.base64, lifetimeDays: 30 }, CALLER);
    expect(order()).toEqual([
      'directory.getOwnedKeyCredentials',
      'ledger.begin',
      'directory.addKeyCredential',
      'ledger.completed',
    ]);
    expect(ledger.steps.at(-1)).toEqual({ step: 'completed', details: { appId: app.appId, keyId: issued.keyId } });
    expect(ledger.open.size).toBe(0);
  });

  it('makes nothing when the ledger cannot take the intent: no certificate, no key credential, the 503 goes up', async () => {
    const { deps, ledger, directory, certificateStore, app } = setup();
    const outage = ledgerDown();
    ledger.failOn('beginOperation', outage);
    await expect(issueCertificate(deps, app.appId, {}, CALLER)).rejects.toBe(outage);
    const own = testCertificate({ toDays: 400 });
    await expect(issueCertificate(deps, app.appId, { certificate: own.base64, lifetimeDays: 30 }, CALLER)).rejects.toBe(
      outage,
    );
    expect(certificateStore.created).toEqual([]);
    expect(directory.apps.get(app.appId)!.keys).toEqual([]);
  });

  it('checks the policy and the certificate before writing anything', async () => {
    const { deps, ledger, app } = setup();
    await expect(issueCertificate(deps, app.appId, { lifetimeDays: 999 }, CALLER)).rejects.toThrow(/maximum/);
    await expect(issueCertificate(deps, app.appId, { exportable: true }, CALLER)).rejects.toThrow(/exportable/);
    const expired = testCertificate({ fromDays: -9, toDays: -1 });
    await expect(issueCertificate(deps, app.appId, { certificate: expired.base64 }, CALLER)).rejects.toThrow(/expired/);
    expect(ledger.steps).toEqual([]);
  });

  it('looks for a certificate after a failed create: nothing made closes the record, one made is disabled', async () => {
    const refused = setup();
    refused.certificateStore.failOn(
      'create',
      new CertificateRefusedError('CertificatePolicyViolation', 'the vault refuses'),
    );
    await expect(issueCertificate(refused.deps, refused.app.appId, {}, CALLER)).rejects.toThrow('the vault refuses');
    expect(refused.ledger.stepNames()).toEqual(['begin', 'abandoned']);
    expect(refused.ledger.open.size).toBe(0);

    const unsure = setup();
    unsure.certificateStore.failOn('create', vaultDown());
    await expect(issueCertificate(unsure.deps, unsure.app.appId, {}, CALLER)).rejects.toThrow('vault down');
    expect(unsure.order().slice(-2)).toEqual(['certificateStore.listVersions', 'ledger.abandoned']);
    expect(unsure.ledger.open.size).toBe(0);

    // The create took effect but its answer was lost (a poll or the read failed): the certificate is found by its
    // keyId tag and disabled, before anything could sign with it.
    const lost = setup();
    lost.certificateStore.loseAnswerOf('create', vaultDown());
    await expect(issueCertificate(lost.deps, lost.app.appId, {}, CALLER)).rejects.toThrow('vault down');
    const keyId = (lost.ledger.steps[0] as { intent: OperationIntent }).intent.keyId!;
    expect(lost.certificateStore.versions.map((v) => [v.tags.keyId, v.enabled])).toEqual([[keyId, false]]);
    expect(lost.ledger.stepNames()).toEqual(['begin', 'compensated']);
    expect(lost.ledger.open.size).toBe(0);
  });

  it('keeps looking until the budget ends for a create cut off at the deadline; not found, the record stays open', async () => {
    const { deps, ledger, certificateStore, app, order } = setup();
    let now = Date.now();
    const clocked = { ...deps, clock: () => new Date(now), sleep: (ms: number) => Promise.resolve(void (now += ms)) };
    certificateStore.failOn('create', new DeadlineExceededError('too slow', 5, 'keyVault'));
    const deadline = startDeadline(clocked.clock, { deadlineMs: 1_000, compensationMs: 5_000 });
    await expect(issueCertificate(clocked, app.appId, {}, requestContext(OWNER, undefined, deadline))).rejects.toThrow(
      'too slow',
    );
    deadline.dispose();
    const looks = order().filter((m) => m === 'certificateStore.listVersions').length;
    expect(looks).toBeGreaterThan(2); // looked again and again: the create may land while the rollback waits
    expect(ledger.stepNames()).toEqual(['begin']); // may still land: the scan looks for it from the open intent
    expect(ledger.open.size).toBe(1);
  });

  it('disables the certificate when Graph does not add it, and removes the key credential if Graph added it after all', async () => {
    const refused = setup();
    refused.directory.failOn('addKeyCredential', graphRefuses());
    await expect(issueCertificate(refused.deps, refused.app.appId, {}, CALLER)).rejects.toThrow('the tenant refuses');
    const keyId = (refused.ledger.steps[0] as { intent: OperationIntent }).intent.keyId!;
    expect(refused.ledger.steps.slice(1)).toEqual([
      { step: 'issued', details: { appId: refused.app.appId, keyId } },
      { step: 'compensated', details: { appId: refused.app.appId, keyId } },
    ]);
    expect(refused.certificateStore.versions.map((v) => v.enabled)).toEqual([false]);
    expect(refused.ledger.open.size).toBe(0);

    // A 503 after the PATCH was sent: the key credential may exist, so it is looked for (once: the answer came).
    const unsure = setup();
    unsure.directory.failOn('addKeyCredential', graphDown());
    await expect(issueCertificate(unsure.deps, unsure.app.appId, {}, CALLER)).rejects.toThrow('graph down');
    expect(unsure.order().slice(-3)).toEqual([
      'certificateStore.disableVersion',
      'directory.getOwnedKeyCredentials',
      'ledger.compensated',
    ]);
    expect(unsure.certificateStore.versions.map((v) => v.enabled)).toEqual([false]);
    expect(unsure.ledger.open.size).toBe(0);

    // The PATCH took effect and its answer was lost: the key credential is found and removed again.
    const lost = setup();
    lost.directory.loseAnswerOf('addKeyCredential', graphDown());
    await expect(issueCertificate(lost.deps, lost.app.appId, {}, CALLER)).rejects.toThrow('graph down');
    expect(lost.directory.apps.get(lost.app.appId)!.keys).toEqual([]);
    expect(lost.certificateStore.versions.map((v) => v.enabled)).toEqual([false]);
    expect(lost.ledger.stepNames()).toEqual(['begin', 'issued', 'compensated']);
  });

  it('records a failed compensation: the certificate could not be disabled; the record stays open and the operator is told', async () => {
    const { deps, ledger, directory, certificateStore, app, warn } = setup();
    directory.failOn('addKeyCredential', graphRefuses());
    certificateStore.failOn('disableVersion', graphDown());
    await expect(issueCertificate(deps, app.appId, {}, CALLER)).rejects.toThrow('the tenant refuses');
    const keyId = (ledger.steps[0] as { intent: OperationIntent }).intent.keyId!;
    expect(ledger.steps.at(-1)).toEqual({
      step: 'compensationFailed',
      details: { appId: app.appId, keyId, step: 'disableCertificate' },
    });
    expect(ledger.open.size).toBe(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/undoing it did not finish/), {
      appId: app.appId,
      keyId,
      step: 'disableCertificate',
    });
    expect(certificateStore.versions.map((v) => v.enabled)).toEqual([true]); // the scan's to disable
  });

  it('answers with the certificate when the ledger fails after the changes, and tells the operator', async () => {
    const { deps, ledger, app, warn } = setup();
    ledger.failOn('issued', ledgerDown());
    ledger.failOn('completed', ledgerDown());
    const issued = await issueCertificate(deps, app.appId, {}, CALLER);
    expect(issued.source).toBe('keyVault');
    expect(warn).toHaveBeenCalledTimes(2);
    for (const [message, details] of warn.mock.calls) {
      expect(message).toMatch(/expiry scan will reconcile/);
      expect(details).toMatchObject({ appId: app.appId, keyId: issued.keyId });
    }
    expect(ledger.open.size).toBe(1);
  });

  it('revokes: reads first, writes the intent before the Graph write and completes after the certificate is disabled', async () => {
    const { deps, ledger, app, order } = setup();
    const issued = await issueCertificate(deps, app.appId, { displayName: 'ci' }, CALLER);
    const before = order().length;
    const stepsBefore = ledger.steps.length;
    await revokeCertificate(deps, app.appId, issued.keyId, CALLER);
    expect(order().slice(before)).toEqual([
      'directory.getOwnedKeyCredentials',
      'ledger.begin',
      'directory.removeKeyCredential',
      'ledger.issued',
      'certificateStore.listVersions',
      'certificateStore.disableVersion',
      'ledger.completed',
    ]);
    const target = { appId: app.appId, keyId: issued.keyId };
    expect(ledger.steps.slice(stepsBefore)).toEqual([
      {
        step: 'begin',
        intent: { operation: 'revokeCertificate', context: CALLER.trace, ...target, credentialDisplayName: 'ci' },
      },
      { step: 'issued', details: target },
      {
        step: 'completed',
        details: {
          ...target,
          certificateName: issued.keyVault!.certificateName,
          certificateVersion: issued.keyVault!.version,
        },
      },
    ]);
    expect(ledger.open.size).toBe(0);
  });

  it('leaves a revocation unfinished (503 to retry) when the vault step fails after the removal; the retry finishes it', async () => {
    const { deps, ledger, certificateStore, app } = setup();
    const issued = await issueCertificate(deps, app.appId, {}, CALLER);
    certificateStore.failOn('disableVersion', graphDown());
    const error = await revokeCertificate(deps, app.appId, issued.keyId, CALLER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationUnfinishedError);
    expect((error as OperationUnfinishedError).status).toBe(503);
    expect(ledger.stepNames().slice(-3)).toEqual(['begin', 'issued', 'unfinished']);
    expect([...ledger.marks.values()]).toEqual([
      {
        state: 'unfinished',
        appId: app.appId,
        keyId: issued.keyId,
        certificateName: issued.keyVault!.certificateName,
        step: 'disableVersion',
      },
    ]);
    certificateStore.recover('disableVersion');
    await expect(revokeCertificate(deps, app.appId, issued.keyId, CALLER)).resolves.toMatchObject({
      disabledCertificateVersion: issued.keyVault!.version,
    });
    expect(certificateStore.versions.find((v) => v.version === issued.keyVault!.version)!.enabled).toBe(false);
    expect(ledger.open.size).toBe(0);
  });

  it('closes a revocation Graph refused, and changes nothing while the ledger cannot take the intent', async () => {
    const { deps, ledger, directory, app } = setup();
    const issued = await issueCertificate(deps, app.appId, {}, CALLER);
    directory.failOn('removeKeyCredential', graphRefuses());
    await expect(revokeCertificate(deps, app.appId, issued.keyId, CALLER)).rejects.toThrow('the tenant refuses');
    expect(ledger.stepNames().slice(-2)).toEqual(['begin', 'abandoned']);
    expect(ledger.open.size).toBe(0);
    const outage = ledgerDown();
    ledger.failOn('beginOperation', outage);
    await expect(revokeCertificate(deps, app.appId, issued.keyId, CALLER)).rejects.toBe(outage);
    expect(directory.apps.get(app.appId)!.keys.map((k) => k.keyId)).toEqual([issued.keyId]);
  });
});
