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
import { revokeSecret } from '../../../src/functions/revokeSecret';
import { composeServices } from '../../../src/composition';
import { Services } from '../../../src/services';
import { appSettingsFor } from '../../../sandbox/sandbox';
import { routes } from '../../../src/http/routes';
import { callerTokens } from '../../support/callerTokens';
import { useEmulators, useFunctionIdentity } from '../../support/emulators';
import { connectorDefinitionValidator, schemaErrors } from '../../support/connectorSchemas';

describe('HTTP function handlers with real HttpRequest and InvocationContext, against the emulators', () => {
  const emulators = useEmulators();
  // composeServices builds its own ManagedIdentityCredential; this points it at the emulated endpoint.
  useFunctionIdentity(emulators);
  let services: Services;
  const logs: string[] = [];
  const context = (functionName: string): InvocationContext =>
    new InvocationContext({ functionName, logHandler: (level, ...args) => logs.push(`${level} ${args.join(' ')}`) });

  beforeAll(() => {
    const settings = appSettingsFor(emulators().endpoints);
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
