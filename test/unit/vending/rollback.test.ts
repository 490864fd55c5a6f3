import { CallBudget } from '../../../src/vending/deadline';
import { createApplication, requestTag } from '../../../src/vending/createApplication';
import {
  DeadlineExceededError,
  InvalidRequestError,
  UpstreamFailureError,
  UpstreamUnavailableError,
} from '../../../src/vending/errors';
import { issueSecret } from '../../../src/vending/issueSecret';
import { secretNameFor } from '../../../src/vending/secretNaming';
import { fakeVendingDependencies, OWNER, requestContext } from './fakes';

const graphDown = () => new UpstreamUnavailableError('graph down', 503, 5, 'graph');
const tooSlow = (upstream: 'graph' | 'keyVault' = 'graph') => new DeadlineExceededError('too slow', 5, upstream);

function setup() {
  const fakes = fakeVendingDependencies();
  return { ...fakes, app: fakes.directory.seedApplication('payments'), context: requestContext(OWNER) };
}

/** The credentials left on an app and the enabled versions left in its default slot: both must be empty. */
function leftovers(fakes: ReturnType<typeof setup>) {
  const credentials = fakes.directory.apps.get(fakes.app.appId)?.passwordCredentials ?? [];
  const versions = fakes.secretStore.secrets.get(secretNameFor(fakes.app.appId, 'default')) ?? [];
  return { credentials: credentials.length, enabledVersions: versions.filter((v) => v.enabled).length };
}

describe('a rollback undoes writes whose answer was lost (issue #12: no credential without its stored secret)', () => {
  it('addPassword made the credential but its answer was lost: found by slot and window, removed', async () => {
    const fakes = setup();
    fakes.directory.loseAnswerOf('addPassword', graphDown());
    await expect(issueSecret(fakes.deps, fakes.app.appId, {}, fakes.context)).rejects.toThrow('graph down');
    expect(leftovers(fakes)).toEqual({ credentials: 0, enabledVersions: 0 });
    expect(fakes.ledger.stepNames()).toEqual(['begin', 'compensated']);
    expect(fakes.directory.callsTo('removePassword')).toEqual([[fakes.app.appId, fakes.directory.issuedKeyIds[0]]]);
  });

  it('a credential of the same slot with another window is not touched', async () => {
    const fakes = setup();
    const other = await issueSecret(fakes.deps, fakes.app.appId, { lifetimeDays: 10 }, fakes.context);
    fakes.directory.loseAnswerOf('addPassword', graphDown());
    await expect(issueSecret(fakes.deps, fakes.app.appId, {}, fakes.context)).rejects.toThrow('graph down');
    const left = fakes.directory.apps.get(fakes.app.appId)!.passwordCredentials.map((c) => c.keyId);
    expect(left).toEqual([other.keyId]);
  });

  it('addPassword cut off at the deadline lands late: the rollback keeps looking on its own budget and removes it', async () => {
    const fakes = setup();
    const add = fakes.directory.addPassword.bind(fakes.directory);
    let landing: Promise<unknown> | undefined;
    fakes.directory.addPassword = (appId, password) => {
      // Graph applies it after the request gave up: on the rollback's third look.
      let looks = 0;
      const get = fakes.directory.getOwnedApplication.bind(fakes.directory);
      fakes.directory.getOwnedApplication = async (id: string) => {
        if (++looks === 3) landing = add(appId, password);
        await landing;
        return get(id);
      };
      return Promise.reject(tooSlow());
    };
    await expect(issueSecret(fakes.deps, fakes.app.appId, {}, fakes.context)).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    expect(leftovers(fakes)).toEqual({ credentials: 0, enabledVersions: 0 });
    expect(fakes.ledger.stepNames()).toEqual(['begin', 'compensated']);
  });

  it('the vault write failed but stored the secret (answer lost): its version is disabled and the slot restored', async () => {
    const fakes = setup();
    const kept = await issueSecret(fakes.deps, fakes.app.appId, {}, fakes.context);
    const put = fakes.secretStore.put.bind(fakes.secretStore);
    fakes.secretStore.put = async (...args) => {
      await put(...args);
      throw new UpstreamUnavailableError('vault connection dropped', 503, 5, 'keyVault');
    };
    await expect(issueSecret(fakes.deps, fakes.app.appId, {}, fakes.context)).rejects.toThrow('dropped');
    const name = secretNameFor(fakes.app.appId, 'default');
    // One credential left (the first), one enabled original of it and its restored copy serving the slot.
    expect(fakes.directory.apps.get(fakes.app.appId)!.passwordCredentials.map((c) => c.keyId)).toEqual([kept.keyId]);
    expect(fakes.secretStore.resolve(name)).toMatchObject({ keyId: kept.keyId });
    const lost = fakes.directory.issuedKeyIds[1]!;
    expect(fakes.secretStore.secrets.get(name)!.filter((v) => v.tags.keyId === lost && v.enabled)).toEqual([]);
    expect(fakes.ledger.stepNames().slice(-1)).toEqual(['compensated']);
  });

  it('rolls back on the compensation budget, never on the request deadline that caused it', async () => {
    const fakes = setup();
    const forward = new AbortController();
    forward.abort();
    const compensation = { signal: new AbortController().signal, endsAt: Number.POSITIVE_INFINITY };
    const seen: (AbortSignal | undefined)[] = [];
    const remove = fakes.directory.removePassword.bind(fakes.directory);
    fakes.directory.removePassword = (appId: string, keyId: string, budget?: CallBudget) => {
      seen.push(budget?.signal);
      return remove(appId, keyId);
    };
    fakes.secretStore.failOn('put', tooSlow('keyVault'));
    const context = requestContext(OWNER, crypto.randomUUID(), {
      forward: { signal: forward.signal, endsAt: 0 },
      compensation: () => compensation,
      dispose: () => undefined,
    });
    await expect(issueSecret(fakes.deps, fakes.app.appId, {}, context)).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(seen).toEqual([compensation.signal]);
  });
});

describe('a create whose answer was lost is found by the request tag and deleted', () => {
  it('5xx after Graph made the app: found at once, deleted, recorded as compensated', async () => {
    const fakes = setup();
    fakes.directory.loseAnswerOf('createApplication', graphDown());
    await expect(createApplication(fakes.deps, { displayName: 'orders' }, fakes.context)).rejects.toThrow('graph down');
    const made = fakes.directory.createdApplications[0]!;
    expect(fakes.directory.apps.has(made.appId)).toBe(false);
    expect(fakes.directory.callsTo('findOwnedApplicationsTagged')).toEqual([
      [requestTag(fakes.context.trace.correlationId)],
    ]);
    expect(fakes.ledger.stepNames()).toEqual(['begin', 'compensated']);
  });

  it('cut off at the deadline and never made: looked for until the budget ends, then left open for the scan', async () => {
    const fakes = setup();
    fakes.directory.failOn('createApplication', tooSlow());
    await expect(createApplication(fakes.deps, { displayName: 'orders' }, fakes.context)).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    expect(fakes.directory.callsTo('findOwnedApplicationsTagged').length).toBeGreaterThan(3);
    expect(fakes.ledger.open.size).toBe(1);
  });

  it('a refused create (4xx) made nothing: no look, the record closed', async () => {
    const fakes = setup();
    const refused = new UpstreamFailureError('refused', 'graph', 'Authorization_RequestDenied', true);
    fakes.directory.failOn('createApplication', refused);
    await expect(createApplication(fakes.deps, { displayName: 'orders' }, fakes.context)).rejects.toBe(refused);
    expect(fakes.directory.callsTo('findOwnedApplicationsTagged')).toEqual([]);
    expect(fakes.ledger.stepNames()).toEqual(['begin', 'abandoned']);
  });
});

describe('names people read (issue #12: they no longer reach Graph unchecked)', () => {
  it.each([
    ['only spaces', '   '],
    ['a tab and a newline', '\t\n'],
    ['NUL', 'orders\u0000api'],
    ['a bidi override', 'orders\u202Eipa'],
    ['a bidi isolate', 'orders\u2066x'],
    ['a zero-width joiner', 'orders\u200Dapi'],
    ['a lone high surrogate', 'orders\uD800'],
    ['a lone low surrogate', '\uDC00orders'],
    ['a line separator', 'orders\u2028api'],
    ['a private-use character', 'orders\uE000'],
    ['a C1 control', 'orders\u0085'],
  ])('refuses a displayName with %s: 400 pointing at /displayName, nothing written', async (_label, displayName) => {
    const fakes = setup();
    const error = await createApplication(fakes.deps, { displayName }, fakes.context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).errors.map((e) => e.pointer)).toEqual(['/displayName']);
    expect(fakes.ledger.steps).toEqual([]);
    expect(fakes.directory.calls).toEqual([]);
  });

  it.each([
    ['plain ASCII', 'orders-api'],
    ['accents and CJK', 'Bestellungen – 注文'],
    ['an emoji', 'orders 🚀'],
  ])('accepts %s', async (_label, displayName) => {
    const fakes = setup();
    await expect(createApplication(fakes.deps, { displayName }, fakes.context)).resolves.toBeDefined();
  });

  it('lets a description hold line breaks, not controls', async () => {
    const fakes = setup();
    await expect(
      createApplication(fakes.deps, { displayName: 'a', description: 'line one\nline two\ttabbed' }, fakes.context),
    ).resolves.toBeDefined();
    const error = await createApplication(
      fakes.deps,
      { displayName: 'a', description: 'bell\u0007' },
      fakes.context,
    ).catch((e: unknown) => e);
    expect((error as InvalidRequestError).errors.map((e) => e.pointer)).toEqual(['/description']);
  });

  it("points a create's nested secret problems under /secret", async () => {
    const fakes = setup();
    const error = await createApplication(
      fakes.deps,
      { displayName: 'a', secret: { startDateTime: 'soon' } },
      fakes.context,
    ).catch((e: unknown) => e);
    expect((error as InvalidRequestError).errors.map((e) => e.pointer)).toEqual(['/secret/startDateTime']);
  });
});
