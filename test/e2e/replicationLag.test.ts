import { CreatedApplication } from '../../src/vending/createApplication';
import { callerTokens } from '../support/callerTokens';
import { control } from '../support/emulators';
import { graphApplications } from '../support/endState';
import { ledgerRows } from '../support/ledger';
import { callApi, useSandbox } from '../support/sandbox';

/**
 * Issue #12, defect 3: Entra's replication lag, on the Graph emulator's clock. The API's clock and its Graph retry
 * pauses are the test's: a pause advances both that clock and the emulator's, so 20 s or 5 minutes of lag pass in
 * milliseconds, and the request's deadline (60 s) and rollback budget (45 s), the defaults, are measured on it too.
 */
describe('replication lag: creates that wait it out, rollbacks that outlast it (sandbox over HTTP, virtual time)', () => {
  let offset = 0;
  const now = (): number => Date.now() + offset;
  const { sandbox, capture } = useSandbox({
    overrides: {
      clock: () => new Date(now()),
      graphRetry: {
        now,
        sleep: async (ms: number) => {
          offset += ms;
          await control(sandbox().endpoints.graph.control, 'POST', 'clock', { advanceMs: Math.ceil(ms) });
        },
      },
    },
  });
  const tokenFor = callerTokens(() => sandbox().endpoints);
  const create = async (displayName: string) =>
    callApi<CreatedApplication>(
      sandbox(),
      capture,
      'POST',
      '/applications',
      { displayName },
      { authorization: `Bearer ${await tokenFor('portal')}` },
    );
  const lag = (ms: number) => control(sandbox().endpoints.graph.control, 'PUT', 'replication-lag', { ms });
  const appsNamed = async (displayName: string) =>
    (await graphApplications(sandbox().endpoints)).filter((a) => a.displayName === displayName);

  afterEach(() => lag(0));

  it('20 s of lag: the service principal step retries through it and the create succeeds (it gave up at 13 s)', async () => {
    await lag(20_000);
    const started = offset;
    const created = await create('lag-20s');
    expect(created.status).toBe(201);
    expect(created.body.servicePrincipal).not.toBeNull();
    expect(offset - started).toBeGreaterThanOrEqual(20_000 - 1_000); // it did wait the lag out, on the test's clock
  });

  it('90 s of lag: 503 at the 60 s deadline, and the rollback keeps deleting past it until the lag ends: nothing left', async () => {
    await lag(90_000);
    const started = offset;
    const answer = await create('lag-90s');
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(offset - started).toBeGreaterThanOrEqual(90_000 - 10_000);
    expect(offset - started).toBeLessThanOrEqual(60_000 + 45_000);
    expect(await appsNamed('lag-90s')).toEqual([]);
  });

  it('lag beyond the deadline and the rollback budget: the app it could not delete is on the ledger for the scan', async () => {
    await lag(600_000);
    const answer = await create('lag-10min');
    expect(answer.status).toBe(503);
    await lag(0); // let the test see what is still replicating
    const [left] = await appsNamed('lag-10min');
    expect(left).toBeDefined();
    const open = (await ledgerRows(sandbox().azurite!)).filter(
      (r) => r.partitionKey === 'intent' && r.appId === left!.appId,
    );
    expect(open).toEqual([
      expect.objectContaining({
        operation: 'createApplication',
        state: 'compensationFailed',
        compensationStep: 'deleteApplication',
        objectId: left!.id,
      }),
    ]);
    expect(capture.logLines.some((l) => l.includes('undoing it did not finish') && l.includes(left!.appId))).toBe(true);
  });
});
