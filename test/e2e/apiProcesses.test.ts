import { TableClient } from '@azure/data-tables';
import { RequestLogEntry as LogEntry } from '../../emulators/host/serviceHost';
import { appSettingsFor, LEDGER_TABLE } from '../../sandbox/sandbox';
import { createTableLedger } from '../../src/azure/tableLedger';
import { CreatedApplication } from '../../src/vending/createApplication';
import { IssuedSecret } from '../../src/vending/issueSecret';
import { callerTokens } from '../support/callerTokens';
import { graphClientAs } from '../support/clients';
import { control, useEmulators, useFunctionIdentity } from '../support/emulators';
import { ledgerRows, useLedgerStorage } from '../support/ledger';
import { RunningProcess, startTsxProgram } from '../support/processes';

interface Answer<T> {
  status: number;
  replayed: boolean;
  body: T;
}

async function post<T>(
  url: string,
  body: unknown,
  authorization: string,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
    body: (await response.json()) as T,
  };
}

describe('API processes sharing one Azurite, as instances of one function app share its storage account', () => {
  const emulators = useEmulators();
  const identity = useFunctionIdentity(emulators);
  const azurite = useLedgerStorage(emulators);
  const tokenFor = callerTokens(() => emulators().endpoints);
  /** The portal's token (App.Create, Secret.Create): both processes validate it, as every instance does. */
  let authorization: string;
  beforeAll(async () => {
    authorization = `Bearer ${await tokenFor('portal')}`;
  });
  const programs: RunningProcess[] = [];
  afterAll(async () => {
    for (const { child } of programs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(programs.map((p) => p.exited));
  });

  /** Starts `sandbox/startApi.ts` against this file's emulators and Azurite; resolves with its API base URL. */
  async function startApiProcess(
    extra: Record<string, string> = {},
  ): Promise<{ program: RunningProcess; api: string }> {
    const { endpoints } = emulators();
    const program = startTsxProgram('sandbox/startApi.ts', {
      ...appSettingsFor(endpoints, azurite()),
      IDENTITY_ENDPOINT: endpoints.managedIdentity.endpoint,
      IDENTITY_HEADER: endpoints.managedIdentity.header,
      API_PORT: '0',
      ...extra,
    });
    programs.push(program);
    await program.waitFor('API listening at ');
    const api = /API listening at (\S+)/.exec(program.output())![1]!;
    return { program, api };
  }
  async function addPasswordCalls(appId: string): Promise<number> {
    const calls = await control<LogEntry[]>(emulators().endpoints.graph.control, 'GET', 'requests');
    return calls.filter((c) => c.method === 'POST' && c.path === `/v1.0/applications(appId='${appId}')/addPassword`)
      .length;
  }

  it('two processes both honour one Idempotency-Key: one credential, one answer', async () => {
    const [a, b] = await Promise.all([startApiProcess(), startApiProcess()]);
    const created = await post<CreatedApplication>(
      `${a.api}/applications`,
      { displayName: 'two', secret: false },
      authorization,
    );
    const { appId } = created.body.application;
    await control(emulators().endpoints.graph.control, 'PUT', 'latency', { ms: 300 });
    const key = crypto.randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post<IssuedSecret>(`${(i % 2 ? b : a).api}/applications/${appId}/secrets`, { lifetimeDays: 5 }, authorization, {
          'idempotency-key': key,
        }).then((answer) => ({ ...answer, via: i % 2 ? 'b' : 'a' })),
      ),
    );
    await control(emulators().endpoints.graph.control, 'PUT', 'latency', { ms: 0 });
    expect(await addPasswordCalls(appId)).toBe(1);
    const issued = answers.filter((x) => x.status === 201);
    expect(answers.every((x) => x.status === 201 || x.status === 409)).toBe(true);
    expect(new Set(issued.map((x) => x.body.keyId)).size).toBe(1);
    expect(issued.filter((x) => !x.replayed)).toHaveLength(1);
    // Whichever process ran it, the other one answered from the shared record.
    const runner = issued.find((x) => !x.replayed)!.via;
    const other = runner === 'a' ? b : a;
    const replay = await post<IssuedSecret>(
      `${other.api}/applications/${appId}/secrets`,
      { lifetimeDays: 5 },
      authorization,
      {
        'idempotency-key': key,
      },
    );
    expect(replay).toEqual({ status: 201, replayed: true, body: issued[0]!.body });
    expect(await addPasswordCalls(appId)).toBe(1);
  }, 120_000);

  it('a process killed between the Graph call and the vault write leaves an intent record without completion', async () => {
    const { api: healthy } = await startApiProcess();
    const created = await post<CreatedApplication>(
      `${healthy}/applications`,
      { displayName: 'killed', secret: false },
      authorization,
    );
    const { appId } = created.body.application;
    const paused = await startApiProcess({ SANDBOX_PAUSE_BEFORE_VAULT_WRITE: 'true' });
    const pending = fetch(`${paused.api}/applications/${appId}/secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ displayName: 'doomed', lifetimeDays: 5 }),
    }).catch((error: unknown) => error);
    await paused.program.waitFor('paused before the vault write');
    paused.program.child.kill('SIGKILL');
    expect(await paused.program.exited).toBeNull();
    // The caller saw the connection drop: no answer, as a Logic App would see a timeout.
    expect(String(await pending)).toMatch(/fetch failed/);

    // Graph holds the credential; the vault never got its secret.
    const app = (await graphClientAs(emulators().endpoints, 'tenantAdmin')
      .api(`/applications(appId='${appId}')`)
      .select(['passwordCredentials'])
      .get()) as { passwordCredentials: { keyId: string; displayName: string }[] };
    const doomed = app.passwordCredentials.find((c) => c.displayName === 'doomed');
    expect(doomed).toBeDefined();

    const rows = await ledgerRows(azurite());
    const intents = rows.filter((r) => r.partitionKey === 'intent' && r.appId === appId);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({
      kind: 'intent',
      operation: 'addSecret',
      state: 'issued',
      keyId: doomed!.keyId,
      credentialDisplayName: 'doomed',
      callerId: emulators().endpoints.principals.portal!.objectId,
      callerAppId: emulators().endpoints.principals.portal!.clientId,
      callerRoles: JSON.stringify(['Secret.Create']),
    });
    const correlationId = intents[0]!.correlationId;
    const completions = rows.filter((r) => r.kind === 'request' && r.correlationId === correlationId);
    expect(completions).toEqual([]);

    // The scan's view: the product's own ledger, by identity, lists it as interrupted once its request must be over.
    const { ledger } = createTableLedger(new TableClient(azurite().tableServiceUri, LEDGER_TABLE, identity()));
    const interrupted = [];
    for await (const operation of ledger.listInterrupted(new Date(Date.now() + 1000))) interrupted.push(operation);
    expect(interrupted.filter((o) => o.appId === appId)).toEqual([
      expect.objectContaining({ operation: 'addSecret', state: 'issued', keyId: doomed!.keyId, correlationId }),
    ]);
  }, 120_000);
});
