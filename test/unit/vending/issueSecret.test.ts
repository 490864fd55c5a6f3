import { InvalidRequestError, LifetimePolicyError, NotFoundError } from '../../../src/vending/errors';
import { APP_ROLES } from '../../../src/vending/ownership';
import { CLIENT_SECRET_CONTENT_TYPE, issueSecret, MANAGED_BY_TAG } from '../../../src/vending/issueSecret';
import { Caller, PasswordRequest } from '../../../src/vending/ports';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { NOW, OWNER, fakeVendingDependencies, requestContext, testCaller } from './fakes';

const DAY = 24 * 60 * 60 * 1000;
const CALLER: Caller = OWNER;
const CONTEXT = requestContext(CALLER);

function setup(vaultUrl?: string) {
  const fakes = fakeVendingDependencies(vaultUrl === undefined ? {} : { vaultUrl });
  return { ...fakes, app: fakes.directory.seedApplication('payments') };
}

describe('issueSecret', () => {
  it('asks Graph once for a password with explicit start and end from the policy (default lifetime)', async () => {
    const { directory, deps, app } = setup();
    await issueSecret(deps, app.appId, {}, CONTEXT);
    const calls = directory.callsTo('addPassword');
    expect(calls).toHaveLength(1);
    const [appId, request] = calls[0] as [string, PasswordRequest];
    expect(appId).toBe(app.appId);
    expect(request.displayName).toBe('default');
    expect(request.startDateTime).toBeInstanceOf(Date);
    expect(request.endDateTime).toBeInstanceOf(Date);
    expect(request.startDateTime.getTime()).toBe(NOW.getTime());
    expect(request.endDateTime.getTime()).toBe(NOW.getTime() + 90 * DAY);
  });

  it('passes the requested slot and lifetime through', async () => {
    const { directory, deps, app } = setup();
    await issueSecret(
      deps,
      app.appId,
      { displayName: 'ci-Deploy', lifetimeDays: 7, startDateTime: '2026-06-01T00:00:00+02:00' },
      CONTEXT,
    );
    const [, request] = directory.callsTo('addPassword')[0] as [string, PasswordRequest];
    expect(request.displayName).toBe('ci-Deploy');
    expect(request.startDateTime.toISOString()).toBe('2026-05-31T22:00:00.000Z');
    expect(request.endDateTime.getTime() - request.startDateTime.getTime()).toBe(7 * DAY);
  });

  it('stores exactly one vault secret: the issued value, under the slot name, with dates and tags', async () => {
    const { directory, secretStore, deps, app } = setup();
    const issued = await issueSecret(deps, app.appId, { displayName: 'ci-Deploy', lifetimeDays: 30 }, CONTEXT);

    const puts = secretStore.callsTo('put');
    expect(puts).toHaveLength(1);
    const [name, value, options] = puts[0] as [
      string,
      string,
      { contentType: string; notBefore: Date; expiresOn: Date; tags: Record<string, string> },
    ];
    expect(name).toBe(secretNameFor(app.appId, 'ci-Deploy'));
    expect(directory.issuedSecretTexts).toEqual([value]);
    expect(options.contentType).toBe(CLIENT_SECRET_CONTENT_TYPE);
    expect(options.contentType).toMatch(/^text\/plain/);
    expect(options.notBefore.getTime()).toBe(Date.parse(issued.startDateTime));
    expect(options.expiresOn.getTime()).toBe(Date.parse(issued.endDateTime));
    expect(options.expiresOn.getTime() - options.notBefore.getTime()).toBe(30 * DAY);
    expect(options.tags).toEqual({
      ...MANAGED_BY_TAG,
      managedBy: 'entra-app-vending',
      appId: app.appId,
      keyId: issued.keyId,
      requestedBy: CALLER.id,
    });
    // The credential Graph holds is the one whose keyId was tagged.
    const credentials = directory.apps.get(app.appId)!.passwordCredentials;
    expect(credentials.map((c) => c.keyId)).toEqual([issued.keyId]);
  });

  it('answers with Key Vault URIs and reference strings for the stored version', async () => {
    const { directory, secretStore, deps, app } = setup('https://kv-unit.vault.azure.net/');
    const issued = await issueSecret(deps, app.appId, {}, CONTEXT);
    const name = secretNameFor(app.appId, 'default');
    const [version] = secretStore.secrets.get(name)!.map((v) => v.version);
    const versionless = `https://kv-unit.vault.azure.net/secrets/${name}`;
    expect(issued).toEqual({
      appId: app.appId,
      keyId: directory.issuedKeyIds[0],
      displayName: 'default',
      hint: directory.issuedSecretTexts[0]!.slice(0, 3),
      startDateTime: NOW.toISOString(),
      endDateTime: new Date(NOW.getTime() + 90 * DAY).toISOString(),
      keyVault: {
        secretName: name,
        version,
        secretUri: `${versionless}/${version}`,
        secretUriWithoutVersion: versionless,
        reference: `@Microsoft.KeyVault(SecretUri=${versionless})`,
        versionedReference: `@Microsoft.KeyVault(SecretUri=${versionless}/${version})`,
      },
    });
  });

  it('never returns the secret value', async () => {
    const { directory, deps, app } = setup();
    const issued = await issueSecret(deps, app.appId, { displayName: 'x' }, CONTEXT);
    const json = JSON.stringify(issued);
    const [secretText] = directory.issuedSecretTexts;
    expect(secretText).toBeDefined();
    expect(json).not.toContain(secretText!);
    expect(json).not.toContain('secretText');
    expect(Object.keys(issued)).not.toContain('secretText');
  });

  it('refuses a lifetime over the policy before calling Graph or the vault', async () => {
    const { directory, secretStore, deps, app } = setup();
    await expect(issueSecret(deps, app.appId, { lifetimeDays: 181 }, CONTEXT)).rejects.toBeInstanceOf(
      LifetimePolicyError,
    );
    await expect(
      issueSecret(deps, app.appId, { lifetimeDays: 1, endDateTime: '2026-06-01T00:00:00Z' }, CONTEXT),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(directory.calls).toEqual([]);
    expect(secretStore.calls).toEqual([]);
  });

  it('lets a Graph failure through without touching the vault', async () => {
    const { directory, secretStore, deps, app } = setup();
    const graphError = new Error('graph down');
    directory.failOn('addPassword', graphError);
    await expect(issueSecret(deps, app.appId, {}, CONTEXT)).rejects.toBe(graphError);
    expect(secretStore.calls).toEqual([]);
    expect(directory.callsTo('removePassword')).toEqual([]);
  });

  it('removes the new credential and rethrows the original error when the vault write fails', async () => {
    const { directory, secretStore, deps, warn, app } = setup();
    const vaultError = new Error('vault refused');
    secretStore.failOn('put', vaultError);
    await expect(issueSecret(deps, app.appId, {}, CONTEXT)).rejects.toBe(vaultError);

    const [added] = directory.callsTo('addPassword');
    expect(added).toBeDefined();
    const removals = directory.callsTo('removePassword');
    expect(removals).toHaveLength(1);
    const app0 = directory.apps.get(app.appId)!;
    expect(app0.passwordCredentials).toEqual([]);
    expect(removals[0]).toEqual([app.appId, directory.issuedKeyIds[0]]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('removes exactly the credential it issued, not others of the app', async () => {
    const { directory, secretStore, deps, app } = setup();
    const first = await issueSecret(deps, app.appId, {}, CONTEXT);
    secretStore.failOn('put', new Error('vault refused'));
    await expect(issueSecret(deps, app.appId, {}, CONTEXT)).rejects.toThrow('vault refused');
    const removed = directory.callsTo('removePassword')[0]![1];
    expect(removed).toBe(directory.issuedKeyIds[1]);
    expect(removed).not.toBe(first.keyId);
    expect(directory.apps.get(app.appId)!.passwordCredentials.map((c) => c.keyId)).toEqual([first.keyId]);
  });

  it('warns with appId and keyId (and no secret) when the compensation also fails, still rethrowing the vault error', async () => {
    const { directory, secretStore, deps, warn, app } = setup();
    const vaultError = new Error('vault refused');
    secretStore.failOn('put', vaultError);
    directory.failOn('removePassword', new Error('graph refused too'));
    await expect(issueSecret(deps, app.appId, {}, CONTEXT)).rejects.toBe(vaultError);

    expect(warn).toHaveBeenCalledTimes(1);
    const [message, details] = warn.mock.calls[0]!;
    expect(details).toEqual({ appId: app.appId, keyId: directory.issuedKeyIds[0], step: 'removePassword' });
    expect(typeof message).toBe('string');
    const [secretText] = directory.issuedSecretTexts;
    expect(JSON.stringify(warn.mock.calls)).not.toContain(secretText!);
  });
});

describe('issueSecret: who may add a secret', () => {
  it('reads the app once to check its owner tags, then issues for an owner', async () => {
    const { directory, deps, app } = setup();
    await issueSecret(deps, app.appId, {}, CONTEXT);
    expect(directory.calls.map((c) => c.method)).toEqual(['getApplication', 'addPassword']);
  });

  it('lets a member of an owning group in through the groups of its token', async () => {
    const { directory, deps } = setup();
    const group = crypto.randomUUID();
    const app = directory.seedApplication('team-app', [], [group]);
    const member = testCaller({ kind: 'user', groups: [group], roles: [APP_ROLES.secretCreate] });
    await expect(issueSecret(deps, app.appId, {}, requestContext(member))).resolves.toMatchObject({ appId: app.appId });
  });

  it('answers not found to anyone else, without issuing anything', async () => {
    const { directory, secretStore, deps, app } = setup();
    const stranger = testCaller({ roles: [APP_ROLES.secretCreate, APP_ROLES.appCreate] });
    await expect(issueSecret(deps, app.appId, {}, requestContext(stranger))).rejects.toBeInstanceOf(NotFoundError);
    expect(directory.callsTo('addPassword')).toEqual([]);
    expect(secretStore.calls).toEqual([]);
  });

  it('issues for Admin on any app this identity owns without reading its owners', async () => {
    const { directory, deps } = setup();
    const unowned = directory.seedApplication('made-by-hand', [], []);
    const admin = testCaller({ roles: [APP_ROLES.admin] });
    await issueSecret(deps, unowned.appId, {}, requestContext(admin));
    expect(directory.calls.map((c) => c.method)).toEqual(['addPassword']);
  });
});
