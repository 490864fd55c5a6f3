import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { composeServices } from '../../../src/composition';
import { loadConfig } from '../../../src/config';
import { registerFunctions } from '../../../src/functionList';
import { PREFLIGHT_MAX_AGE_SECONDS, withCors } from '../../../src/http/cors';
import { HostHttpHandler } from '../../../src/http/httpFunction';
import { routeList } from '../../../src/http/routes';
import { createRecordingHost } from '../../../sandbox/recordingHost';

const PORTAL = 'https://portal.azure.com';
const context = new InvocationContext({ functionName: 'probe' });

function request(method: string, headers: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({
    method,
    url: 'https://vending.example/api/openapi.json',
    headers: { origin: PORTAL, ...headers },
  });
}

const headersOf = (response: HttpResponseInit): Headers => new Headers(response.headers);

describe('withCors', () => {
  const calls: string[] = [];
  const inner: HostHttpHandler = (req) => {
    calls.push(req.method);
    return Promise.resolve({ status: 200, jsonBody: { ok: true }, headers: { 'x-kept': 'yes' } });
  };
  const handler = withCors(inner, ['GET']);
  beforeEach(() => calls.splice(0));

  it('answers a preflight itself: 204, the methods, the asked headers and a max age, without calling the route', async () => {
    const response = await handler(
      request('OPTIONS', {
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-ms-client-request-id, Accept-Language',
      }),
      context,
    );
    expect(response.status).toBe(204);
    const headers = headersOf(response);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(headers.get('access-control-allow-methods')).toBe('GET, OPTIONS');
    expect(headers.get('access-control-allow-headers')).toBe('x-ms-client-request-id, Accept-Language');
    expect(headers.get('access-control-max-age')).toBe(String(PREFLIGHT_MAX_AGE_SECONDS));
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    expect(calls).toEqual([]);
  });

  it('echoes no asked header that is not a plain list of header names', async () => {
    const response = await handler(
      request('OPTIONS', { 'access-control-request-method': 'GET', 'access-control-request-headers': 'a b; c=<d>' }),
      context,
    );
    expect(headersOf(response).get('access-control-allow-headers')).toBeNull();
  });

  it('lets any origin read the answer, keeping the route’s own headers', async () => {
    const response = await handler(request('GET'), context);
    expect(calls).toEqual(['GET']);
    expect(response.status).toBe(200);
    const headers = headersOf(response);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(headers.get('x-kept')).toBe('yes');
    expect(response.jsonBody).toEqual({ ok: true });
  });
});

describe('registerFunctions with CORS routes', () => {
  const services = composeServices(
    loadConfig({
      KEY_VAULT_URL: 'https://kv-vending.vault.azure.net',
      AZURE_CLIENT_ID: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b01',
      API_AUDIENCE: '5c1e9f0a-3b7d-4e2a-8f6c-1a2b3c4d5e60',
      API_IDENTIFIER_URI: 'api://7d0c8a5e-4b1f-4c3e-9a6d-2f5e8b1c0a11/entra-app-vending',
      API_TENANT_ID: '7d0c8a5e-4b1f-4c3e-9a6d-2f5e8b1c0a11',
      STORAGE_TABLE_SERVICE_URI: 'https://stvending.table.core.windows.net/',
      STORAGE_QUEUE_SERVICE_URI: 'https://stvending.queue.core.windows.net/',
    }),
  );
  const host = createRecordingHost();
  registerFunctions(host, services);

  it('registers OPTIONS beside the methods of exactly the CORS routes (the two description documents)', () => {
    for (const route of routeList) {
      const registered = host.httpFunctions.get(route.name)!;
      expect(registered.methods).toEqual(route.cors ? [...route.methods, 'OPTIONS'] : route.methods);
    }
    expect(routeList.filter((r) => r.cors).map((r) => r.route)).toEqual(['openapi.json', 'connector/swagger.json']);
  });

  it.each(['openApi', 'connectorDefinition'])('serves %s with CORS and its preflight', async (name) => {
    const handler = host.httpFunctions.get(name)!.handler as HostHttpHandler;
    const preflight = await handler(request('OPTIONS', { 'access-control-request-method': 'GET' }), context);
    expect(preflight.status).toBe(204);
    const document = await handler(request('GET'), context);
    expect(document.status).toBe(200);
    expect(headersOf(document).get('access-control-allow-origin')).toBe('*');
  });

  it('adds no CORS header to a vending route', async () => {
    const handler = host.httpFunctions.get('health')!.handler as HostHttpHandler;
    expect(headersOf(await handler(request('GET'), context)).get('access-control-allow-origin')).toBeNull();
  });
});
