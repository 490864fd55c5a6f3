import { control, useEmulators } from '../support/emulators';

interface Entry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
}

describe('the control plane every emulator shares', () => {
  const emulators = useEmulators();
  const entra = (): string => emulators().endpoints.entra.authorityHost;
  const discovery = (): string => `${entra()}/${emulators().endpoints.tenantId}/v2.0/.well-known/openid-configuration`;

  afterEach(async () => {
    await control(`${entra()}/_emulator`, 'POST', 'reset');
  });

  it('adds the configured latency to service calls, never to the control plane', async () => {
    await control(`${entra()}/_emulator`, 'PUT', 'latency', { ms: 60 });
    expect(await control(`${entra()}/_emulator`, 'GET', 'latency')).toEqual({ ms: 60 });
    expect((await fetch(discovery())).status).toBe(200);
    const [entry] = await control<Entry[]>(`${entra()}/_emulator`, 'GET', 'requests');
    expect(entry!.durationMs).toBeGreaterThanOrEqual(55);
    await control(`${entra()}/_emulator`, 'PUT', 'latency', { ms: 0 });
  });

  it('answers exactly `count` matching calls with the fault, then the real service again', async () => {
    await control(`${entra()}/_emulator`, 'POST', 'faults', {
      method: 'GET',
      pathPattern: 'openid-configuration$',
      status: 503,
      count: 2,
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(discovery())).status);
    expect(statuses).toEqual([503, 503, 200]);
    // A fault for another method does not match.
    await control(`${entra()}/_emulator`, 'POST', 'faults', {
      method: 'POST',
      pathPattern: 'openid-configuration$',
      status: 500,
    });
    expect((await fetch(discovery())).status).toBe(200);
    expect(await control<unknown[]>(`${entra()}/_emulator`, 'GET', 'faults')).toHaveLength(1);
  });

  it('drops the connection for status 0', async () => {
    await control(`${entra()}/_emulator`, 'POST', 'faults', { pathPattern: 'keys$', status: 0 });
    await expect(fetch(`${entra()}/${emulators().endpoints.tenantId}/discovery/v2.0/keys`)).rejects.toThrow(
      /fetch failed/,
    );
    expect((await fetch(`${entra()}/${emulators().endpoints.tenantId}/discovery/v2.0/keys`)).status).toBe(200);
  });

  it('fires a fault with `every` on each n-th matching call only: a share of the calls fails', async () => {
    await control(`${entra()}/_emulator`, 'POST', 'faults', {
      pathPattern: 'openid-configuration$',
      status: 429,
      every: 3,
      count: 2,
      retryAfterSeconds: 0,
    });
    const statuses = [];
    for (let i = 0; i < 9; i++) statuses.push((await fetch(discovery())).status);
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429, 200, 200, 200]);
  });

  it('holds a call for `delayMs` and then serves it (a slow service: the work is done though the client left)', async () => {
    const graph = emulators().endpoints.graph.control;
    await control(graph, 'POST', 'faults', { method: 'GET', pathPattern: 'organization', delayMs: 120 });
    const started = performance.now();
    await fetch(`${emulators().endpoints.graph.baseUrl}/v1.0/organization`).catch(() => undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    // With a status, the slow call fails after the wait.
    await control(`${entra()}/_emulator`, 'POST', 'faults', { pathPattern: 'keys$', delayMs: 50, status: 503 });
    const response = await fetch(`${entra()}/${emulators().endpoints.tenantId}/discovery/v2.0/keys`);
    expect(response.status).toBe(503);
    await control(graph, 'POST', 'reset');
  });

  it('issues managed identity tokens of the lifetime a test sets, and a day again after a reset', async () => {
    const { managedIdentity } = emulators().endpoints;
    const miControl = managedIdentity.endpoint.replace(/\/msi\/token$/, '/_emulator');
    const token = async (): Promise<number> => {
      const url = `${managedIdentity.endpoint}?api-version=2019-08-01&resource=https://vault.azure.net&client_id=${managedIdentity.clientId}`;
      const body = (await (await fetch(url, { headers: { 'x-identity-header': managedIdentity.header } })).json()) as {
        expires_on: string;
      };
      return Number(body.expires_on) - Math.floor(Date.now() / 1000);
    };
    await control(miControl, 'PUT', 'token-lifetime', { seconds: 120 });
    expect(await token()).toBeLessThanOrEqual(120);
    await control(miControl, 'POST', 'reset');
    expect(await token()).toBeGreaterThan(23 * 3600);
  });

  it.each([
    ['faults', 'POST', { pathPattern: 'x', delayMs: -1 }],
    ['faults', 'POST', { pathPattern: 'x', status: 503, every: 0 }],
    ['faults', 'POST', { pathPattern: '(', status: 503 }],
    ['faults', 'POST', { pathPattern: 'x', status: 200 }],
    ['faults', 'POST', { status: 503 }],
    ['latency', 'PUT', { ms: -1 }],
  ])('refuses a bad %s body with 400', async (name, method, body) => {
    const response = await fetch(`${entra()}/_emulator/${name}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
  });

  it('reset forgets faults, latency and the request log', async () => {
    await control(`${entra()}/_emulator`, 'PUT', 'latency', { ms: 30 });
    await control(`${entra()}/_emulator`, 'POST', 'faults', { pathPattern: '.', status: 500, count: 5 });
    await fetch(discovery());
    await control(`${entra()}/_emulator`, 'POST', 'reset');
    expect(await control(`${entra()}/_emulator`, 'GET', 'requests')).toEqual([]);
    expect(await control(`${entra()}/_emulator`, 'GET', 'faults')).toEqual([]);
    expect(await control(`${entra()}/_emulator`, 'GET', 'latency')).toEqual({ ms: 0 });
  });
});
