import { randomUUID } from 'node:crypto';
import { MANAGED_BY_TAG } from '../../../../src/vending/issueSecret';
import { ownerTag } from '../../../../src/vending/ownership';
import { InterruptedOperation } from '../../../../src/vending/ports';
import { madeBy, repairInterrupted } from '../../../../src/vending/scan/interrupted';
import { issueCertificate } from '../../../../src/vending/issueCertificate';
import { secretNameFor } from '../../../../src/vending/secretNaming';
import { testCertificate } from '../../../support/certificates';
import { fakeCertificateDependencies } from '../certificateFakes';
import { fakeVendingDependencies, NOW, OWNER, requestContext } from '../fakes';

const START = NOW.toISOString();
const END = new Date(NOW.getTime() + 30 * 24 * 3600 * 1000).toISOString();

function setup() {
  const fakes = fakeVendingDependencies();
  const certificates = fakeCertificateDependencies();
  const deps = {
    ...fakes.deps,
    certificates: { directory: certificates.directory, store: certificates.certificateStore },
  };
  const app = fakes.directory.seedApplication('interrupted');
  const plant = (displayName: string) => {
    const keyId = randomUUID();
    fakes.directory.apps.get(app.appId)!.passwordCredentials.push({
      keyId,
      displayName,
      hint: 'abc',
      startDateTime: START,
      endDateTime: END,
    });
    return keyId;
  };
  const store = (displayName: string, keyId: string) =>
    fakes.secretStore.put(secretNameFor(app.appId, displayName), 'value', {
      contentType: 'text/plain',
      notBefore: NOW,
      expiresOn: new Date(END),
      tags: { ...MANAGED_BY_TAG, appId: app.appId, keyId },
    });
  const op = (fields: Partial<InterruptedOperation>): InterruptedOperation => ({
    id: randomUUID(),
    operation: 'addSecret',
    state: 'started',
    correlationId: randomUUID(),
    receivedAt: START,
    updatedAt: START,
    callerId: 'caller',
    appId: app.appId,
    credentialDisplayName: 'default',
    startDateTime: START,
    endDateTime: END,
    ...fields,
  });
  const keyIds = () => fakes.directory.apps.get(app.appId)!.passwordCredentials.map((c) => c.keyId);
  return { ...fakes, deps, certificates, app, plant, store, op, keyIds };
}

describe('repairInterrupted', () => {
  it('addSecret started: finds what Graph made by slot and window; unstored → removed, stored → completed', async () => {
    const t = setup();
    const lost = t.plant('default');
    const other = t.plant('other');
    expect(await repairInterrupted(t.deps, t.op({}))).toMatchObject({ outcome: 'rolledBack', keyId: lost });
    expect(t.keyIds()).toEqual([other]);

    const kept = t.plant('default');
    await t.store('default', kept);
    expect(await repairInterrupted(t.deps, t.op({}))).toMatchObject({ outcome: 'completed', keyId: kept });
    expect(await repairInterrupted(t.deps, t.op({ credentialDisplayName: 'nothing-here' }))).toMatchObject({
      outcome: 'notFound',
    });
  });

  it('addSecret issued or with a failed compensation: the named credential is kept if stored, else removed', async () => {
    const t = setup();
    const lost = t.plant('default');
    expect(await repairInterrupted(t.deps, t.op({ state: 'issued', keyId: lost }))).toMatchObject({
      outcome: 'rolledBack',
    });
    expect(await repairInterrupted(t.deps, t.op({ state: 'issued', keyId: lost }))).toMatchObject({
      outcome: 'notFound',
    });
    const failed = t.plant('default');
    expect(await repairInterrupted(t.deps, t.op({ state: 'compensationFailed', keyId: failed }))).toMatchObject({
      outcome: 'rolledBack',
    });
    expect(t.keyIds()).toEqual([]);
  });

  it('revokeSecret: finishes the removal and disables the version', async () => {
    const t = setup();
    const keyId = t.plant('default');
    await t.store('default', keyId);
    const repair = await repairInterrupted(t.deps, t.op({ operation: 'revokeSecret', keyId }));
    expect(repair).toMatchObject({ outcome: 'completed', keyId });
    expect(t.keyIds()).toEqual([]);
    expect(t.secretStore.secrets.get(secretNameFor(t.app.appId, 'default'))!.map((v) => v.enabled)).toEqual([false]);
  });

  it("revokeSecret unfinished at restoreSlot: the slot's reference is pointed back at its newest live credential", async () => {
    const t = setup();
    const older = t.plant('default');
    await t.store('default', older);
    const newest = t.plant('default');
    await t.store('default', newest);
    // The request removed the newest credential and disabled its version, then the vault refused the restore.
    t.directory.apps.get(t.app.appId)!.passwordCredentials = t.directory.apps
      .get(t.app.appId)!
      .passwordCredentials.filter((c) => c.keyId !== newest);
    const name = secretNameFor(t.app.appId, 'default');
    const [, newestVersion] = t.secretStore.secrets.get(name)!;
    newestVersion!.enabled = false;
    const unfinished = t.op({
      operation: 'revokeSecret',
      state: 'unfinished',
      keyId: newest,
      secretName: name,
      pendingStep: 'restoreSlot',
    });
    const repair = await repairInterrupted(t.deps, unfinished);
    expect(repair).toMatchObject({ outcome: 'completed', keyId: newest });
    expect(repair.detail).toMatch(/newest live credential/);
    expect(t.keyIds()).toEqual([older]);
    // The versionless reference serves the older, live credential's value again (a restored copy of it).
    const current = await t.secretStore.currentVersion(name);
    expect(current).toMatchObject({ enabled: true });
    const latest = t.secretStore.secrets.get(name)!.at(-1)!;
    expect([latest.version, latest.tags.keyId]).toEqual([current!.version, older]);
  });

  it('createApplication: a half-made app whose first secret is lost is deleted; one made without a secret kept', async () => {
    const t = setup();
    const keyId = t.plant('default');
    const create = { operation: 'createApplication' as const, state: 'issued' as const, objectId: t.app.id };
    expect(await repairInterrupted(t.deps, t.op({ ...create }))).toMatchObject({ outcome: 'completed' });
    expect(await repairInterrupted(t.deps, t.op({ ...create, keyId }))).toMatchObject({ outcome: 'rolledBack' });
    expect(t.directory.apps.has(t.app.appId)).toBe(false);
    expect(await repairInterrupted(t.deps, t.op({ ...create, appId: undefined }))).toMatchObject({
      outcome: 'notFound',
    });
  });

  it('setApplicationOwners: completed when the app carries the owners asked for, else not applied', async () => {
    const t = setup();
    const owners = [randomUUID()];
    const change = { operation: 'setApplicationOwners' as const, owners };
    expect(await repairInterrupted(t.deps, t.op(change))).toMatchObject({ outcome: 'notApplied' });
    t.directory.apps.get(t.app.appId)!.tags = owners.map(ownerTag);
    expect(await repairInterrupted(t.deps, t.op(change))).toMatchObject({ outcome: 'completed' });
  });
});

describe('repairInterrupted: certificates', () => {
  /** A certificate added through the service (Key Vault made, key credential on the app), and how to see both. */
  async function withCertificate(options: { brought?: string } = {}) {
    const t = setup();
    const { deps, directory, certificateStore } = t.certificates;
    const app = directory.seedApplication();
    const issued = await issueCertificate(
      deps,
      app.appId,
      options.brought ? { certificate: options.brought, lifetimeDays: 30 } : { displayName: 'ci' },
      requestContext(OWNER),
    );
    const op = (fields: Partial<InterruptedOperation>) =>
      t.op({
        operation: 'addCertificate',
        state: 'issued',
        appId: app.appId,
        keyId: issued.keyId,
        credentialDisplayName: issued.displayName,
        ...fields,
      });
    const keys = () => directory.apps.get(app.appId)!.keys.map((k) => k.keyId);
    const enabled = () => certificateStore.versions.map((v) => v.enabled);
    return { t, app, issued, op, keys, enabled, directory, certificateStore };
  }

  it('addCertificate: keeps a key credential whose certificate is in place (only the completion was missing)', async () => {
    const c = await withCertificate();
    const repair = await repairInterrupted(c.t.deps, c.op({}));
    expect(repair).toMatchObject({ outcome: 'completed', keyId: c.issued.keyId });
    expect(c.keys()).toEqual([c.issued.keyId]);
    expect(c.enabled()).toEqual([true]);
  });

  it('addCertificate: disables a certificate Graph never got; removes a key credential whose certificate was disabled', async () => {
    const notAdded = await withCertificate();
    await notAdded.directory.removeKeyCredential(notAdded.app.appId, notAdded.issued.keyId);
    expect(await repairInterrupted(notAdded.t.deps, notAdded.op({}))).toMatchObject({ outcome: 'rolledBack' });
    expect(notAdded.enabled()).toEqual([false]);

    // After a 5xx the compensation disabled the certificate but Graph had added the key credential after all.
    const halfUndone = await withCertificate();
    const version = halfUndone.certificateStore.versions[0]!;
    await halfUndone.certificateStore.disableVersion(version.name, version.version);
    expect(await repairInterrupted(halfUndone.t.deps, halfUndone.op({}))).toMatchObject({ outcome: 'rolledBack' });
    expect(halfUndone.keys()).toEqual([]);
  });

  it('addCertificate: finishes a failed compensation, and finds nothing where nothing was made', async () => {
    const failed = await withCertificate();
    await failed.directory.removeKeyCredential(failed.app.appId, failed.issued.keyId);
    const repair = await repairInterrupted(failed.t.deps, failed.op({ state: 'compensationFailed' }));
    expect(repair).toMatchObject({ outcome: 'rolledBack', keyId: failed.issued.keyId });
    expect(failed.enabled()).toEqual([false]);

    const nothing = await withCertificate();
    const started = nothing.op({ state: 'started', keyId: randomUUID() });
    expect(await repairInterrupted(nothing.t.deps, started)).toMatchObject({ outcome: 'notFound' });
    expect(nothing.keys()).toEqual([nothing.issued.keyId]);
    expect(nothing.enabled()).toEqual([true]);
  });

  it('addCertificate of a brought certificate: Graph holding the key credential is the whole operation', async () => {
    const c = await withCertificate({ brought: testCertificate({ toDays: 400 }).base64 });
    expect(await repairInterrupted(c.t.deps, c.op({ state: 'started' }))).toMatchObject({ outcome: 'completed' });
    expect(c.keys()).toEqual([c.issued.keyId]);
  });

  it('revokeCertificate unfinished: the certificate named on the record is disabled, the key credential already gone', async () => {
    const c = await withCertificate();
    await c.directory.removeKeyCredential(c.app.appId, c.issued.keyId);
    const unfinished = c.op({
      operation: 'revokeCertificate',
      state: 'unfinished',
      credentialDisplayName: undefined,
      certificateName: c.issued.keyVault!.certificateName,
      pendingStep: 'disableVersion',
    });
    expect(await repairInterrupted(c.t.deps, unfinished)).toMatchObject({
      outcome: 'completed',
      keyId: c.issued.keyId,
    });
    expect(c.enabled()).toEqual([false]);
  });

  it('revokeCertificate: finishes the removal and disables the certificate', async () => {
    const c = await withCertificate();
    const repair = await repairInterrupted(c.t.deps, c.op({ operation: 'revokeCertificate', state: 'started' }));
    expect(repair).toMatchObject({ outcome: 'completed', keyId: c.issued.keyId });
    expect(c.keys()).toEqual([]);
    expect(c.enabled()).toEqual([false]);
  });
});

describe('madeBy', () => {
  it('matches by keyId, or before Graph answered by slot and exact window', () => {
    const t = setup();
    const keyId = t.plant('default');
    const credential = t.directory.apps.get(t.app.appId)!.passwordCredentials[0]!;
    expect(madeBy(t.op({ keyId }), t.app.appId, credential)).toBe(true);
    expect(madeBy(t.op({ keyId: randomUUID() }), t.app.appId, credential)).toBe(false);
    expect(madeBy(t.op({}), t.app.appId, credential)).toBe(true);
    expect(madeBy(t.op({ endDateTime: START }), t.app.appId, credential)).toBe(false);
    expect(madeBy(t.op({}), randomUUID(), credential)).toBe(false);
  });
});
