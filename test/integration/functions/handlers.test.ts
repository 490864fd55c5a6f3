import { HttpRequest, InvocationContext } from '@azure/functions';
import { loadConfig } from '../../../src/config';
import { addSecret } from '../../../src/functions/addSecret';
import { createApplication } from '../../../src/functions/createApplication';
import { health } from '../../../src/functions/health';
import { listSecrets } from '../../../src/functions/listSecrets';
import { openApi } from '../../../src/functions/openApi';
import { connectorDefinition } from '../../../src/functions/connectorDefinition';
import { functionList } from '../../../src/functionList';
import { toHttpHandler } from '../../../src/http/httpFunction';
import { routeList } from '../../../src/http/routes';
import { readAudit } from '../../../src/functions/readAudit';
import { revokeSecret } from '../../../src/functions/revokeSecret';
import { composeServices } from '../../../src/composition';
import { Services } from '../../../src/services';
import { appSettingsFor } from '../../../sandbox/sandbox';
import { routes } from '../../../src/http/routes';
import { callerTokens } from '../../support/callerTokens';
import { useEmulators, useFunctionIdentity } from '../../support/emulators';
import { connectorDefinitionValidator, schemaErrors } from '../../support/connectorSchemas';
import { useLedgerStorage } from '../../support/ledger';

describe('HTTP function handlers with real HttpRequest and InvocationContext, against the emulators', () => {
  const emulators = useEmulators();
  // composeServices builds its own ManagedIdentityCredential; this points it at the emulated endpoint.
  useFunctionIdentity(emulators);
  const azurite = useLedgerStorage(emulators);
  let services: Services;
  const logs: string[] = [];
  const context = (functionName: string): InvocationContext =>
    new InvocationContext({
      invocationId: crypto.randomUUID(),
      functionName,
      logHandler: (level, ...args) => logs.push(`${level} ${args.join(' ')}`),
    });

  beforeAll(() => {
    const settings = appSettingsFor(emulators().endpoints, azurite());
    services = composeServices(
      loadConfig({ ...settings, SECRET_MAX_LIFETIME_DAYS: '60', SECRET_DEFAULT_LIFETIME_DAYS: '14' }),
    );
  });

  const tokenFor = callerTokens(() => emulators().endpoints);
  let authorization: string;
  beforeAll(async () => {
    authorization = `Bearer ${await tokenFor('portal')}`;
  });

  const post = (url: string, body: unknown): HttpRequest =>
    new HttpRequest({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization },
      body: { string: JSON.stringify(body) },
    });

  it('lists a handler for every route of the one table, each once', () => {
    const httpRoutes = functionList.flatMap((f) => (f.kind === 'http' ? [f.route.name] : []));
    expect(httpRoutes.sort()).toEqual(routeList.map((r) => r.name).sort());
    expect(new Set(httpRoutes).size).toBe(httpRoutes.length);
  });

  it('creates, adds, lists and revokes through the handlers, with the configured policy', async () => {
    const create = toHttpHandler(
      { kind: 'http', route: routes.createApplication, handler: createApplication },
      services,
    );
    const created = await create(
      post('http://localhost/api/applications', { displayName: 'handler-app' }),
      context('createApplication'),
    );
    expect(created.status).toBe(201);
    const body = created.jsonBody as {
      application: { appId: string };
      secret: { keyId: string; startDateTime: string; endDateTime: string };
    };
    const appId = body.application.appId;
    expect(Date.parse(body.secret.endDateTime) - Date.parse(body.secret.startDateTime)).toBe(14 * 24 * 3600 * 1000);

    const add = toHttpHandler({ kind: 'http', route: routes.addSecret, handler: addSecret }, services);
    // Route parameters come from the host's route match: without them the appId is missing → 400, no Graph call.
    const noParams = await add(
      post(`http://localhost/api/applications/${appId}/secrets`, { lifetimeDays: 61 }),
      context('addSecret'),
    );
    expect(noParams.status).toBe(400);
    const withParams = new HttpRequest({
      method: 'POST',
      url: `http://localhost/api/applications/${appId}/secrets`,
      headers: { 'content-type': 'application/json', authorization },
      params: { appId },
      body: { string: JSON.stringify({ lifetimeDays: 61 }) },
    });
    const refused = await add(withParams, context('addSecret'));
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body as string)).toMatchObject({ maxLifetimeDays: 60 });

    const list = toHttpHandler({ kind: 'http', route: routes.listSecrets, handler: listSecrets }, services);
    const listed = await list(
      new HttpRequest({
        method: 'GET',
        url: `http://localhost/api/applications/${appId}/secrets`,
        headers: { authorization },
        params: { appId },
      }),
      context('listSecrets'),
    );
    expect((listed.jsonBody as { secrets: { keyId: string }[] }).secrets.map((s) => s.keyId)).toEqual([
      body.secret.keyId,
    ]);

    const revoke = toHttpHandler({ kind: 'http', route: routes.revokeSecret, handler: revokeSecret }, services);
    const revoked = await revoke(
      new HttpRequest({
        method: 'DELETE',
        url: 'http://localhost/x',
        headers: { authorization },
        params: { appId, keyId: body.secret.keyId },
      }),
      context('revokeSecret'),
    );
    expect(revoked.status).toBe(204);
    expect(logs.some((l) => l.includes('secret revoked') && l.includes(body.secret.keyId))).toBe(true);
    expect(logs.some((l) => l.startsWith('warning request refused'))).toBe(true);
  });

  it('records every request that needs a caller in the audit ledger, refusals included, with the real caller', async () => {
    const portal = emulators().endpoints.principals.portal!;
    const create = toHttpHandler(
      { kind: 'http', route: routes.createApplication, handler: createApplication },
      services,
    );
    const createCtx = context('createApplication');
    const created = await create(post('http://localhost/api/applications', { displayName: 'audited' }), createCtx);
    const { application, secret } = created.jsonBody as {
      application: { appId: string };
      secret: { keyId: string; keyVault: { secretName: string; version: string } };
    };
    const add = toHttpHandler({ kind: 'http', route: routes.addSecret, handler: addSecret }, services);
    const refusedCtx = context('addSecret');
    const refused = await add(
      new HttpRequest({
        method: 'POST',
        url: `http://localhost/api/applications/${application.appId}/secrets`,
        headers: {
          'content-type': 'application/json',
          authorization,
          'x-ms-workflow-run-id': '08586734240477305429153721775CU46',
        },
        params: { appId: application.appId },
        body: { string: JSON.stringify({ lifetimeDays: 61 }) },
      }),
      refusedCtx,
    );
    expect(refused.status).toBe(422);
    const badCtx = context('addSecret');
    expect((await add(post('http://localhost/api/applications/x/secrets', {}), badCtx)).status).toBe(400);
    const unauthenticatedCtx = context('addSecret');
    const unauthenticated = await add(
      new HttpRequest({
        method: 'POST',
        url: `http://localhost/api/applications/${application.appId}/secrets`,
        headers: { authorization: 'Bearer not.a-valid.token' },
        params: { appId: application.appId },
      }),
      unauthenticatedCtx,
    );
    expect(unauthenticated.status).toBe(401);

    const { records } = await services.vending.ledger.queryRequests({ appId: application.appId, pageSize: 100 });
    expect(records.map((r) => [r.operation, r.status, r.problemType ?? null, r.correlationId])).toEqual([
      ['createApplication', 201, null, createCtx.invocationId],
      ['addSecret', 422, 'LifetimePolicyViolation', refusedCtx.invocationId],
    ]);
    expect(records[0]).toMatchObject({
      caller: { id: portal.objectId, appId: portal.clientId, roles: ['App.Create'] },
      keyId: secret.keyId,
      secretName: secret.keyVault.secretName,
      secretVersion: secret.keyVault.version,
      operationState: 'completed',
    });
    expect(records[1]).toMatchObject({
      caller: { id: portal.objectId, appId: portal.clientId, roles: ['Secret.Create'] },
      logicApps: { runId: '08586734240477305429153721775CU46' },
    });
    // A refusal with no app to file it under is on the record of its day; a 401 names no caller and no target.
    const today = await services.vending.ledger.queryRequests({
      from: new Date(Date.now() - 60_000),
      to: new Date(Date.now() + 60_000),
      pageSize: 1000,
    });
    expect(today.records.find((r) => r.correlationId === badCtx.invocationId)).toMatchObject({
      operation: 'addSecret',
      status: 400,
      problemType: 'InvalidRequest',
    });
    expect(today.records.find((r) => r.correlationId === unauthenticatedCtx.invocationId)).toEqual({
      time: expect.any(String) as string,
      operation: 'addSecret',
      correlationId: unauthenticatedCtx.invocationId,
      status: 401,
      problemType: 'Unauthenticated',
      caller: { id: 'unidentified', roles: [] },
    });
  });

  it('replays a POST with the same Idempotency-Key through the handlers, and refuses the key for another body', async () => {
    const create = toHttpHandler(
      { kind: 'http', route: routes.createApplication, handler: createApplication },
      services,
    );
    const withKey = (body: unknown): HttpRequest =>
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/applications',
        headers: { 'content-type': 'application/json', authorization, 'idempotency-key': `handler-${process.pid}` },
        body: { string: JSON.stringify(body) },
      });
    const first = await create(withKey({ displayName: 'once' }), context('createApplication'));
    const again = await create(withKey({ displayName: 'once' }), context('createApplication'));
    expect(first.status).toBe(201);
    expect(again).toEqual({
      status: 201,
      headers: { ...(first.headers as Record<string, string>), 'idempotent-replayed': 'true' },
      body: first.body,
    });
    const other = await create(withKey({ displayName: 'twice' }), context('createApplication'));
    expect(other.status).toBe(422);
    expect(JSON.parse(other.body as string)).toMatchObject({
      type: 'urn:entra-app-vending:problem:IdempotencyKeyReused',
    });
  });

  it('serves the audit ledger to Admins only, and puts the refusal on record', async () => {
    const read = toHttpHandler({ kind: 'http', route: routes.readAudit, handler: readAudit }, services);
    const ask = async (query: string, token = authorization) =>
      read(
        new HttpRequest({
          method: 'GET',
          url: `http://localhost/api/audit?${query}`,
          headers: { authorization: token },
        }),
        context('readAudit'),
      );
    const forbiddenCtx = context('readAudit');
    const forbidden = await read(
      new HttpRequest({
        method: 'GET',
        url: 'http://localhost/api/audit?from=2026-01-01T00:00:00Z',
        headers: { authorization }, // portal: App.Create and Secret.Create, not Admin
      }),
      forbiddenCtx,
    );
    expect(forbidden.status).toBe(403);
    const today = await services.vending.ledger.queryRequests({
      from: new Date(Date.now() - 60_000),
      to: new Date(Date.now() + 60_000),
      pageSize: 1000,
    });
    expect(today.records.find((r) => r.correlationId === forbiddenCtx.invocationId)).toMatchObject({
      operation: 'readAudit',
      status: 403,
      problemType: 'Forbidden',
      caller: { id: emulators().endpoints.principals.portal!.objectId, roles: [] },
    });

    const admin = `Bearer ${await tokenFor('operator')}`;
    const page = await ask('from=2020-01-01T00:00:00Z&top=2', admin);
    const body = page.jsonBody as { records: { operation: string }[]; continuationToken: string | null };
    expect(body.records).toHaveLength(2);
    expect(body.continuationToken).toEqual(expect.any(String));
    const next = await ask(
      `from=2020-01-01T00:00:00Z&top=2&continuationToken=${encodeURIComponent(body.continuationToken!)}`,
      admin,
    );
    expect((next.jsonBody as { records: unknown[] }).records.length).toBeGreaterThan(0);
    expect((await ask(`appId=${crypto.randomUUID()}`, admin)).status).toBe(404);
    expect((await ask('to=2026-01-01T00:00:00Z&top=0', admin)).status).toBe(400);
    // Roles first, as on every route: a bad query from a non-Admin is a 403, not a 400.
    expect((await ask('to=2026-01-01T00:00:00Z&top=0')).status).toBe(403);
  });

  it('answers unknown failures with a 500 problem that carries only a correlation id', async () => {
    const failing = toHttpHandler(
      {
        kind: 'http',
        route: routes.listSecrets,
        handler: () => Promise.reject(new Error('token=eyJhbGciOi... leaked upstream text')),
      },
      services,
    );
    const ctx = context('boom');
    const answer = await failing(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/x', headers: { authorization } }),
      ctx,
    );
    expect(answer.status).toBe(500);
    expect((answer.headers as Record<string, string>)['content-type']).toBe('application/problem+json');
    const problem = JSON.parse(answer.body as string) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 500, correlationId: ctx.invocationId });
    expect(answer.body).not.toContain('eyJhbGciOi');
    expect(logs.join('\n')).not.toContain('eyJhbGciOi');
  });

  it('checks the caller before the handler runs: no token 401, a token without the role 403, nothing called', async () => {
    const handler = jest.fn(() => Promise.resolve({ status: 200 }));
    const guarded = toHttpHandler({ kind: 'http', route: routes.createApplication, handler }, services);
    const ask = (headers: Record<string, string>) =>
      guarded(new HttpRequest({ method: 'POST', url: 'http://localhost/api/applications', headers }), context('x'));
    const anonymous = await ask({});
    expect(anonymous.status).toBe(401);
    expect((anonymous.headers as Record<string, string>)['www-authenticate']).toMatch(/^Bearer authorization_uri=/);
    const logicApp = await ask({ authorization: `Bearer ${await tokenFor('logicApp')}` }); // Secret.Create only
    expect(logicApp.status).toBe(403);
    expect(JSON.parse(logicApp.body as string)).toMatchObject({
      status: 403,
      type: 'urn:entra-app-vending:problem:Forbidden',
    });
    expect(handler).not.toHaveBeenCalled();
    expect(logs.filter((l) => l.startsWith('warning request refused')).join('\n')).toContain('"reason":"no token"');
  });

  it('serves health, and both description documents aimed at the host that was asked, with the configured tenant', async () => {
    expect((await health()).jsonBody).toEqual({ status: 'ok' });
    const ask = (path: string) => new HttpRequest({ method: 'GET', url: `https://vending.example${path}` });
    const doc = (await openApi(ask('/api/openapi.json'), context('openApi'), services)).jsonBody as {
      servers: { url: string }[];
      components: { securitySchemes: { entra: { flows: { clientCredentials: { tokenUrl: string } } } } };
    };
    expect(doc.servers[0]!.url).toBe('https://vending.example/api');
    const tenant = services.config.api.tenantId;
    expect(doc.components.securitySchemes.entra.flows.clientCredentials.tokenUrl).toContain(
      `/${tenant}/oauth2/v2.0/token`,
    );

    const connector = (
      await connectorDefinition(ask('/api/connector/swagger.json'), context('connectorDefinition'), services)
    ).jsonBody as { swagger: string; host: string; schemes: string[]; securityDefinitions: Record<string, unknown> };
    expect(connector).toMatchObject({ swagger: '2.0', host: 'vending.example', schemes: ['https'] });
    expect(JSON.stringify(connector.securityDefinitions)).toContain(tenant);
    expect(schemaErrors(connectorDefinitionValidator(), connector)).toEqual([]);
    const local = (
      await connectorDefinition(
        new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/connector/swagger.json' }),
        context('connectorDefinition'),
        services,
      )
    ).jsonBody as { host: string; schemes: string[] };
    expect([local.host, local.schemes]).toEqual(['127.0.0.1:7071', ['http']]);
  });
});
