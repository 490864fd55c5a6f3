import { createApplication } from '../../../src/vending/createApplication';
import { InvalidRequestError, LifetimePolicyError, OwnershipRuleError } from '../../../src/vending/errors';
import { MAX_OWNERS } from '../../../src/vending/ownership';
import { CLIENT_SECRET_CONTENT_TYPE } from '../../../src/vending/issueSecret';
import { Caller, PasswordRequest } from '../../../src/vending/ports';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { fakeVendingDependencies, NOW, OWNER, requestContext } from './fakes';

const DAY = 24 * 60 * 60 * 1000;
const CALLER: Caller = OWNER;
const CONTEXT = requestContext(CALLER);

function setup() {
  return fakeVendingDependencies();
}

type CreateInput = { displayName: string; description?: string; tags: string[]; password?: PasswordRequest };

describe('createApplication', () => {
  it('refuses a policy violation before any directory or vault call', async () => {
    const { directory, secretStore, deps } = setup();
    await expect(
      createApplication(deps, { displayName: 'app', secret: { lifetimeDays: 181 } }, CONTEXT),
    ).rejects.toBeInstanceOf(LifetimePolicyError);
    await expect(
      createApplication(deps, { displayName: 'app', secret: { startDateTime: '2020-01-01T00:00:00Z' } }, CONTEXT),
    ).rejects.toBeInstanceOf(LifetimePolicyError);
    expect(directory.calls).toEqual([]);
    expect(secretStore.calls).toEqual([]);
    expect(directory.apps.size).toBe(0);
  });

  it('by default creates the app with an inline password (default lifetime), its service principal, and stores the secret', async () => {
    const { directory, secretStore, deps } = setup();
    const created = await createApplication(deps, { displayName: 'Payments API' }, CONTEXT);

    expect(directory.calls.map((c) => c.method)).toEqual(['createApplication', 'createServicePrincipal']);
    const [input] = directory.callsTo('createApplication')[0] as [CreateInput];
    expect(input.displayName).toBe('Payments API');
    expect(input).not.toHaveProperty('description');
    // The creator owns what it creates, written in the create call itself.
    // The creator owns what it creates, and the request names itself (how a create whose answer was lost is found).
    expect(input.tags).toEqual([`vending:owner:${CALLER.id}`, `vending:request:${CONTEXT.trace.correlationId}`]);
    expect(input.password).toBeDefined();
    expect(input.password!.displayName).toBe('default');
    expect(input.password!.startDateTime.getTime()).toBe(NOW.getTime());
    expect(input.password!.endDateTime.getTime()).toBe(NOW.getTime() + 90 * DAY);

    const appId = created.application.appId;
    expect(directory.callsTo('createServicePrincipal')).toEqual([[appId]]);
    expect(created.servicePrincipal).toEqual({ id: directory.apps.get(appId)!.servicePrincipalId });

    const puts = secretStore.callsTo('put');
    expect(puts).toHaveLength(1);
    const [name, value, options] = puts[0] as [string, string, { contentType: string; tags: Record<string, string> }];
    expect(name).toBe(secretNameFor(appId, 'default'));
    expect(directory.issuedSecretTexts).toEqual([value]);
    expect(options.contentType).toBe(CLIENT_SECRET_CONTENT_TYPE);
    expect(options.tags).toMatchObject({ appId, keyId: directory.issuedKeyIds[0], requestedBy: CALLER.id });

    expect(created.application).toEqual({ ...directory.apps.get(appId)!.info, owners: [CALLER.id] });
    expect(created.secret).not.toBeNull();
    expect(created.secret!.keyId).toBe(directory.issuedKeyIds[0]);
    expect(created.secret!.keyVault.secretName).toBe(name);
    expect(JSON.stringify(created)).not.toContain(value);
    expect(JSON.stringify(created)).not.toContain('secretText');
  });

  it('passes description and the requested secret slot and lifetime', async () => {
    const { directory, deps } = setup();
    const created = await createApplication(
      deps,
      { displayName: 'x', description: 'for CI', secret: { displayName: 'ci', lifetimeDays: 10 } },
      CONTEXT,
    );
    const [input] = directory.callsTo('createApplication')[0] as [CreateInput];
    expect(input.description).toBe('for CI');
    expect(input.password!.displayName).toBe('ci');
    expect(input.password!.endDateTime.getTime() - input.password!.startDateTime.getTime()).toBe(10 * DAY);
    expect(created.secret!.displayName).toBe('ci');
  });

  it.each([
    ['secret: false', { secret: false as const }],
    ['createSecret: false (the connector form)', { createSecret: false }],
  ])('with %s asks for no password and writes nothing to the vault', async (_form, fields) => {
    const { directory, secretStore, deps } = setup();
    const created = await createApplication(deps, { displayName: 'x', ...fields }, CONTEXT);
    const [input] = directory.callsTo('createApplication')[0] as [CreateInput];
    expect(input).not.toHaveProperty('password');
    expect(secretStore.calls).toEqual([]);
    expect(created.secret).toBeNull();
    expect(created.servicePrincipal).not.toBeNull();
  });

  it('with createSecret: true issues the described secret', async () => {
    const { directory, deps } = setup();
    const created = await createApplication(
      deps,
      { displayName: 'x', createSecret: true, secret: { displayName: 'ci', lifetimeDays: 7 } },
      CONTEXT,
    );
    const [input] = directory.callsTo('createApplication')[0] as [CreateInput];
    expect(input.password?.displayName).toBe('ci');
    expect(created.secret?.displayName).toBe('ci');
  });

  it.each([
    [{ createSecret: false, secret: { lifetimeDays: 7 } }],
    [{ createSecret: false, secret: {} }],
    [{ createSecret: true, secret: false as const }],
  ])('refuses a contradiction %j with a 400 on /createSecret, before any call', async (fields) => {
    const { directory, secretStore, deps } = setup();
    const error = (await createApplication(deps, { displayName: 'x', ...fields }, CONTEXT).catch(
      (e: unknown) => e,
    )) as InvalidRequestError;
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.errors.map((e) => e.pointer)).toEqual(['/createSecret']);
    expect(directory.calls).toEqual([]);
    expect(secretStore.calls).toEqual([]);
  });

  it('with createServicePrincipal: false creates no service principal', async () => {
    const { directory, secretStore, deps } = setup();
    const created = await createApplication(deps, { displayName: 'x', createServicePrincipal: false }, CONTEXT);
    expect(directory.callsTo('createServicePrincipal')).toEqual([]);
    expect(created.servicePrincipal).toBeNull();
    expect(secretStore.callsTo('put')).toHaveLength(1);
    expect(created.secret).not.toBeNull();
  });

  it('deletes the app again and rethrows when the vault write fails', async () => {
    const { directory, secretStore, deps, warn } = setup();
    const vaultError = new Error('vault refused');
    secretStore.failOn('put', vaultError);
    await expect(createApplication(deps, { displayName: 'x' }, CONTEXT)).rejects.toBe(vaultError);
    expect(directory.callsTo('deleteApplication')).toEqual([[directory.createdApplications[0]!.id]]);
    expect(directory.apps.size).toBe(0);
    expect(warn).not.toHaveBeenCalled();
  });

  it('deletes the app again and rethrows when the service principal cannot be created, storing nothing', async () => {
    const { directory, secretStore, deps } = setup();
    const spError = new Error('replication lag outlasted retries');
    directory.failOn('createServicePrincipal', spError);
    await expect(createApplication(deps, { displayName: 'x' }, CONTEXT)).rejects.toBe(spError);
    expect(directory.callsTo('deleteApplication')).toEqual([[directory.createdApplications[0]!.id]]);
    expect(directory.apps.size).toBe(0);
    expect(secretStore.calls).toEqual([]);
  });

  it('deletes the app by its object id, not its appId', async () => {
    const { directory, secretStore, deps } = setup();
    secretStore.failOn('put', new Error('vault refused'));
    await expect(createApplication(deps, { displayName: 'x' }, CONTEXT)).rejects.toThrow('vault refused');
    const [created] = directory.createdApplications;
    expect(created!.id).not.toBe(created!.appId);
    expect(directory.callsTo('deleteApplication')).toEqual([[created!.id]]);
  });

  it('warns with appId and object id when the compensating delete fails too, and still rethrows', async () => {
    const { directory, secretStore, deps, warn } = setup();
    const vaultError = new Error('vault refused');
    secretStore.failOn('put', vaultError);
    directory.failOn('deleteApplication', new Error('graph refused the delete'));
    await expect(createApplication(deps, { displayName: 'x' }, CONTEXT)).rejects.toBe(vaultError);
    expect(warn).toHaveBeenCalledTimes(1);
    const [app] = [...directory.apps.values()];
    expect(warn.mock.calls[0]![1]).toEqual({
      appId: app!.info.appId,
      objectId: app!.info.id,
      step: 'deleteApplication',
    });
    expect(JSON.stringify(warn.mock.calls)).not.toContain(directory.issuedSecretTexts[0]!);
  });

  it('lets a failure of the create itself through with nothing to compensate', async () => {
    const { directory, secretStore, deps } = setup();
    const graphError = new Error('graph down');
    directory.failOn('createApplication', graphError);
    await expect(createApplication(deps, { displayName: 'x' }, CONTEXT)).rejects.toBe(graphError);
    expect(directory.callsTo('deleteApplication')).toEqual([]);
    expect(secretStore.calls).toEqual([]);
  });
});

describe('createApplication: owners', () => {
  it('writes the creator and the owners it names as tags in the one create call', async () => {
    const { directory, deps } = setup();
    const group = crypto.randomUUID();
    const created = await createApplication(deps, { displayName: 'shared', owners: [group, CALLER.id] }, CONTEXT);
    expect(created.application.owners).toEqual([CALLER.id, group]);
    const [input] = directory.callsTo('createApplication')[0] as [CreateInput];
    expect(input.tags.filter((t) => t.startsWith('vending:owner:'))).toEqual([
      `vending:owner:${CALLER.id}`,
      `vending:owner:${group}`,
    ]);
    expect(directory.calls.map((c) => c.method)).toEqual(['createApplication', 'createServicePrincipal']);
  });

  it('refuses too many owners before any call', async () => {
    const { directory, deps } = setup();
    const owners = Array.from({ length: MAX_OWNERS }, () => crypto.randomUUID());
    await expect(createApplication(deps, { displayName: 'crowded', owners }, CONTEXT)).rejects.toBeInstanceOf(
      OwnershipRuleError,
    );
    expect(directory.calls).toEqual([]);
  });
});
