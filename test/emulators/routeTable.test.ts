import { RouteTable } from '../../emulators/host/routeTable';

/** The one matcher every emulator's route table goes through. */
describe('RouteTable', () => {
  const vault = new RouteTable([
    { method: 'GET', path: '/secrets', name: 'list' },
    { method: 'PUT', path: '/secrets/{name}', name: 'set' },
    { method: 'GET', path: '/secrets/{name}/versions', name: 'versions' },
    { method: 'GET', path: '/secrets/{name}/{version?}', name: 'get' },
    { method: 'PATCH', path: '/secrets/{name}/{version?}', name: 'update' },
  ]);
  const graph = new RouteTable(
    [
      { method: 'GET', path: ['/v1.0/applications/{id}', "/v1.0/applications(appId='{appId}')"], name: 'get' },
      { method: 'POST', path: '/v1.0/applications/{id}/[microsoft.graph.]addPassword', name: 'addPassword' },
      { method: 'GET', path: '/v1.0/servicePrincipals/{id}/ownedObjects/microsoft.graph.application', name: 'cast' },
    ],
    { caseInsensitive: true },
  );

  function found(
    table: RouteTable<{ method: string; path: string | readonly string[]; name: string }>,
    method: string,
    path: string,
  ) {
    const match = table.match(method, path);
    if (match.kind !== 'found') throw new Error(`${method} ${path}: ${JSON.stringify(match)}`);
    return { name: match.route.name, params: match.params };
  }

  it('reads an optional last parameter as empty when absent or given as a trailing slash', () => {
    expect(found(vault, 'GET', '/secrets/db')).toEqual({ name: 'get', params: { name: 'db', version: '' } });
    expect(found(vault, 'GET', '/secrets/db/')).toEqual({ name: 'get', params: { name: 'db', version: '' } });
    expect(found(vault, 'GET', '/secrets/db/0a1b')).toEqual({ name: 'get', params: { name: 'db', version: '0a1b' } });
    expect(found(vault, 'GET', '/secrets/')).toEqual({ name: 'list', params: {} });
  });

  it('prefers a literal segment over a parameter, per method', () => {
    expect(found(vault, 'GET', '/secrets/db/versions').name).toBe('versions');
    expect(found(vault, 'PATCH', '/secrets/db/versions')).toEqual({
      name: 'update',
      params: { name: 'db', version: 'versions' },
    });
  });

  it('answers 405 for a known path with another method, naming the allowed ones', () => {
    expect(vault.match('DELETE', '/secrets/db/v1')).toEqual({ kind: 'methodNotAllowed', allowed: ['GET', 'PATCH'] });
  });

  it('names the first segment no template accepts', () => {
    expect(vault.match('GET', '/keys/k')).toEqual({ kind: 'notFound', segment: 'keys' });
    expect(vault.match('GET', '/secrets/db/v1/extra')).toEqual({ kind: 'notFound', segment: 'extra' });
    expect(graph.match('GET', '/v1.0/applicationz')).toEqual({ kind: 'notFound', segment: 'applicationz' });
    expect(graph.match('GET', '/v1.0/servicePrincipals/x/ownedObjects/microsoft.graph.user')).toEqual({
      kind: 'notFound',
      segment: 'microsoft.graph.user',
    });
  });

  it("matches Graph's alternate key, optional action namespace and case-insensitive names, decoding segments", () => {
    expect(found(graph, 'GET', "/v1.0/applications(appId='a-b')")).toEqual({ name: 'get', params: { appId: 'a-b' } });
    expect(found(graph, 'GET', '/v1.0/applications(appId=%27a-b%27)').params).toEqual({ appId: 'a-b' });
    expect(found(graph, 'GET', '/v1.0/Applications/1234').params).toEqual({ id: '1234' });
    expect(found(graph, 'POST', '/v1.0/applications/1/addPassword').name).toBe('addPassword');
    expect(found(graph, 'POST', '/v1.0/applications/1/microsoft.graph.addPassword').name).toBe('addPassword');
    expect(graph.match('POST', '/v1.0/applications/1/other.addPassword')).toEqual({
      kind: 'notFound',
      segment: 'other.addPassword',
    });
  });
});
