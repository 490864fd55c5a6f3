import { NotFoundError } from '../../../src/vending/errors';
import { issueSecret } from '../../../src/vending/issueSecret';
import { listSecrets } from '../../../src/vending/listSecrets';
import { Caller } from '../../../src/vending/ports';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { APP_ROLES } from '../../../src/vending/ownership';
import { OWNER, requestContext, testCaller } from './fakes';
import { DAY, NOW, setup } from './listAndRevoke.helpers';

const CALLER: Caller = OWNER;
const CONTEXT = requestContext(CALLER);

describe('listSecrets', () => {
  it('reports each credential with its status and the vault version matched by keyId', async () => {
    const { deps, app, setNow, seedCredential, directory, secretStore } = setup();
    // Issued through the API, 2 versions of the same slot, and one in another slot.
    setNow(NOW.getTime() - 60 * DAY);
    const old = await issueSecret(deps, app.appId, { lifetimeDays: 80 }, CONTEXT); // ends in 20 days: expiring
    setNow(NOW.getTime());
    const fresh = await issueSecret(deps, app.appId, { lifetimeDays: 90 }, CONTEXT); // active
    const ci = await issueSecret(deps, app.appId, { displayName: 'CI', lifetimeDays: 45 }, CONTEXT); // active
    // Made outside the API.
    const manual = seedCredential({ startMs: NOW.getTime() - DAY, endMs: NOW.getTime() + 729 * DAY }); // overPolicy
    const unnamed = seedCredential({
      displayName: null,
      startMs: NOW.getTime() - 100 * DAY,
      endMs: NOW.getTime() - DAY,
    }); // expired
    const oddName = seedCredential({
      displayName: 'made in portal!',
      startMs: NOW.getTime(),
      endMs: NOW.getTime() + 60 * DAY,
    });
    // Same slot name as API-issued ones but never stored by the API: no tag matches its keyId.
    const sameSlot = seedCredential({
      displayName: 'default',
      startMs: NOW.getTime(),
      endMs: NOW.getTime() + 100 * DAY,
    });

    const listed = await listSecrets(deps, app.appId, CALLER);
    expect(listed.appId).toBe(app.appId);
    const byKey = new Map(listed.secrets.map((s) => [s.keyId, s]));
    expect(byKey.size).toBe(7);

    const defaultVersions = secretStore.secrets.get(secretNameFor(app.appId, 'default'))!;
    const versionOf = (keyId: string) => defaultVersions.find((v) => v.tags.keyId === keyId)!.version;

    expect(byKey.get(old.keyId)).toMatchObject({ status: 'expiring', keyVault: { version: versionOf(old.keyId) } });
    expect(byKey.get(fresh.keyId)).toMatchObject({ status: 'active', keyVault: { version: versionOf(fresh.keyId) } });
    expect(byKey.get(fresh.keyId)!.keyVault).toEqual(fresh.keyVault);
    expect(byKey.get(old.keyId)!.keyVault).toEqual(old.keyVault);
    expect(byKey.get(ci.keyId)!.keyVault).toEqual(ci.keyVault);
    expect(byKey.get(ci.keyId)!.status).toBe('active');
    expect(byKey.get(manual.keyId)).toMatchObject({ status: 'overPolicy', keyVault: null });
    expect(byKey.get(unnamed.keyId)).toMatchObject({ status: 'expired', keyVault: null, displayName: null });
    expect(byKey.get(oddName.keyId)).toMatchObject({ status: 'active', keyVault: null });
    expect(byKey.get(sameSlot.keyId)).toMatchObject({ status: 'active', keyVault: null });

    // Metadata is Graph's, passed through.
    expect(byKey.get(manual.keyId)).toMatchObject(manual);

    // Never a secret value.
    const json = JSON.stringify(listed);
    for (const secretText of directory.issuedSecretTexts) expect(json).not.toContain(secretText);
  });

  it('lists soonest-ending first', async () => {
    const { deps, app, seedCredential } = setup();
    const ends = [40, 5, 170, -3, 90, 1].map((d) => NOW.getTime() + d * DAY);
    for (const endMs of ends) seedCredential({ startMs: NOW.getTime() - 5 * DAY, endMs });
    await issueSecret(deps, app.appId, { lifetimeDays: 60 }, CONTEXT);
    const { secrets } = await listSecrets(deps, app.appId, CALLER);
    const listedEnds = secrets.map((s) => Date.parse(s.endDateTime));
    expect(listedEnds).toEqual([...listedEnds].sort((a, b) => a - b));
    expect(listedEnds).toHaveLength(7);
  });

  it('reads each slot from the vault once, however many credentials share it', async () => {
    const { deps, app, secretStore } = setup();
    for (let i = 0; i < 3; i++) await issueSecret(deps, app.appId, {}, CONTEXT);
    await listSecrets(deps, app.appId, CALLER);
    expect(secretStore.callsTo('listVersions')).toEqual([[secretNameFor(app.appId, 'default')]]);
  });

  it('returns an empty list for an app without credentials', async () => {
    const { deps, app } = setup();
    expect(await listSecrets(deps, app.appId, CALLER)).toEqual({ appId: app.appId, secrets: [] });
  });

  it('lets NotFoundError through for an app it does not own, without reading the vault', async () => {
    const { deps, secretStore } = setup();
    await expect(listSecrets(deps, crypto.randomUUID(), CALLER)).rejects.toBeInstanceOf(NotFoundError);
    expect(secretStore.calls).toEqual([]);
  });
});

describe('listSecrets ordering', () => {
  it('orders by instant, not by text, when Graph mixes fractional-second precision', async () => {
    const { deps, app, directory } = setup();
    const second = new Date(NOW.getTime() + 10 * DAY).toISOString().slice(0, 19);
    const ends = [`${second}.5Z`, `${second}Z`, `${second}.1234567Z`];
    for (const endDateTime of ends) {
      directory.apps.get(app.appId)!.passwordCredentials.push({
        keyId: crypto.randomUUID(),
        displayName: 'manual',
        hint: 'abc',
        startDateTime: NOW.toISOString(),
        endDateTime,
      });
    }
    const listed = await listSecrets(deps, app.appId, CALLER);
    expect(listed.secrets.map((s) => s.endDateTime)).toEqual([`${second}Z`, `${second}.1234567Z`, `${second}.5Z`]);
  });
});

describe('listSecrets: who may list', () => {
  it('answers not found to a caller that does not own the app, with the same one read as for an owner', async () => {
    const { deps, app, directory, secretStore } = setup();
    await expect(listSecrets(deps, app.appId, testCaller({ roles: [APP_ROLES.secretCreate] }))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(directory.calls.map((c) => c.method)).toEqual(['getOwnedApplication']);
    expect(secretStore.calls).toEqual([]);
  });
});
