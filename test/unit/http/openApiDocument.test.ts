import SwaggerParser from '@apidevtools/swagger-parser';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { apiSecurityFor } from '../../../src/http/apiSecurity';
import { buildOpenApiDocument, OPENAPI_SECURITY_SCHEME } from '../../../src/http/openApiDocument';
import { RouteDefinition, routeList, routes } from '../../../src/http/routes';
import { createApplicationRequestSchema, secretRequestSchema } from '../../../src/http/schemas';

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: { type: string; pattern?: string };
}
interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
  security?: Record<string, string[]>[];
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes: Record<string, { type: string; flows: Record<string, Record<string, unknown>> }> };
}

const doc = buildOpenApiDocument(routeList, { version: '1.2.3' }) as Document;
const operation = (route: RouteDefinition, method: string) => doc.paths[`/${route.route}`]?.[method.toLowerCase()];

describe('buildOpenApiDocument', () => {
  it('is an OpenAPI 3.0.3 document with the given version and the /api server by default', () => {
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info.version).toBe('1.2.3');
    expect(doc.servers).toEqual([{ url: '/api' }]);
    const custom = buildOpenApiDocument(routeList, { version: '1', serverUrl: 'https://fn.example/api' }) as Document;
    expect(custom.servers).toEqual([{ url: 'https://fn.example/api' }]);
  });

  it('describes every route and method, with operationId = route name', () => {
    let count = 0;
    for (const route of routeList) {
      for (const method of route.methods) {
        const op = operation(route, method);
        expect(op).toBeDefined();
        expect(op!.operationId).toBe(route.name);
        expect(op!.summary).toBe(route.summary);
        expect(op!.tags).toEqual([route.tag]);
        count++;
      }
    }
    const documented = Object.values(doc.paths).flatMap((p) => Object.keys(p));
    expect(documented).toHaveLength(count);
    // operationIds are unique across the document.
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers 401 and 403 on every route that needs a caller, and on none of the anonymous ones', () => {
    for (const route of routeList) {
      for (const method of route.methods) {
        const statuses = Object.keys(operation(route, method)!.responses);
        if (route.auth === 'anonymous') expect(statuses).not.toEqual(expect.arrayContaining(['401']));
        else expect(statuses).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect(routeList.filter((r) => r.auth === 'anonymous').map((r) => r.name)).toEqual([
      'openApi',
      'connectorDefinition',
      'health',
    ]);
  });

  it('keeps GET and POST of the same path side by side', () => {
    const path = doc.paths[`/${routes.addSecret.route}`]!;
    expect(Object.keys(path).sort()).toEqual(['get', 'post']);
    expect(path.post!.operationId).toBe('addSecret');
    expect(path.get!.operationId).toBe('listSecrets');
  });

  it('declares every {placeholder} of a path as a required string path parameter, then the query parameters', () => {
    for (const route of routeList) {
      const placeholders = [...route.route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const query = (route.query ?? []).map((q) => q.name);
      for (const method of route.methods) {
        const params = operation(route, method)!.parameters ?? [];
        expect(params.map((p) => p.name)).toEqual([...placeholders, ...query]);
        for (const p of params.slice(0, placeholders.length)) {
          expect(p).toMatchObject({ in: 'path', required: true, schema: { type: 'string' } });
        }
        for (const p of params.slice(placeholders.length)) expect(p).toMatchObject({ in: 'query', required: false });
      }
    }
    expect(operation(routes.listApplications, 'GET')!.parameters!.map((p) => p.name)).toEqual(['top', 'skipToken']);
    const revoke = operation(routes.revokeSecret, 'DELETE')!;
    expect(revoke.parameters!.map((p) => p.name)).toEqual(['appId', 'keyId']);
  });

  it('constrains appId and keyId to GUIDs', () => {
    const [appId, keyId] = operation(routes.revokeSecret, 'DELETE')!.parameters!;
    for (const p of [appId!, keyId!]) {
      const pattern = new RegExp(p.schema.pattern!);
      expect(pattern.test('2f0e6a4b-7c1d-4e8f-9a0b-1c2d3e4f5a6b')).toBe(true);
      expect(pattern.test('2F0E6A4B-7C1D-4E8F-9A0B-1C2D3E4F5A6B')).toBe(true);
      expect(pattern.test('payments')).toBe(false);
      expect(pattern.test('2f0e6a4b-7c1d-4e8f-9a0b-1c2d3e4f5a6b/../x')).toBe(false);
    }
  });

  it('uses the very request schemas ajv validates with', () => {
    const create = operation(routes.createApplication, 'POST')!.requestBody!;
    expect(create.content['application/json']!.schema).toEqual(createApplicationRequestSchema);
    expect(create.required).toBe(true);
    const add = operation(routes.addSecret, 'POST')!.requestBody!;
    expect(add.content['application/json']!.schema).toEqual(secretRequestSchema);
    // The body of addSecret may be empty (all fields optional).
    expect(add.required).toBe(false);
    for (const route of routeList) {
      for (const method of route.methods) {
        if (route.requestBody) {
          const documented = operation(route, method)!.requestBody!;
          expect(documented.content['application/json']!.schema).toEqual(route.requestBody.schema);
          expect(documented.required).toBe(route.requestBody.required);
        } else {
          expect(operation(route, method)!.requestBody).toBeUndefined();
        }
      }
    }
  });

  it('documents each response with problem+json for errors and JSON for successes', () => {
    for (const route of routeList) {
      for (const method of route.methods) {
        const op = operation(route, method)!;
        expect(Object.keys(op.responses).sort()).toEqual(Object.keys(route.responses).sort());
        for (const [status, [description, schema]] of Object.entries(route.responses)) {
          const response = op.responses[status]!;
          expect(response.description).toBe(description);
          if (!schema) {
            expect(response.content).toBeUndefined();
            continue;
          }
          const mediaType = Number(status) >= 400 ? 'application/problem+json' : 'application/json';
          expect(Object.keys(response.content!)).toEqual([mediaType]);
          expect(response.content![mediaType]!.schema).toEqual(schema);
        }
      }
    }
  });

  it('drops $comment (not allowed in OpenAPI 3.0 schemas) without touching the route table', () => {
    const schema = { type: 'object', $comment: 'internal', properties: { a: { type: 'string', $comment: 'x' } } };
    const route: RouteDefinition = {
      name: 'probe',
      methods: ['PUT'],
      route: 'things/{appId}',
      summary: 's',
      tag: 't',
      auth: 'anonymous',
      requestBody: { schema, required: true },
      responses: { 200: ['ok', schema] },
    };
    const built = buildOpenApiDocument([route], { version: '0' }) as Document;
    const op = built.paths['/things/{appId}']!.put!;
    expect(op.requestBody!.content['application/json']!.schema).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
    expect(JSON.stringify(built)).not.toContain('$comment');
    expect(schema.$comment).toBe('internal');
  });

  it('is plain JSON (survives a round trip unchanged)', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});

describe('buildOpenApiDocument: security from the configured tenant and audience', () => {
  const TENANT = '7d0c8a5e-4b1f-4c3e-9a6d-2f5e8b1c0a11';
  const AUDIENCE = `api://${TENANT}/entra-app-vending`;
  const SCOPE = `${AUDIENCE}/.default`;
  const security = apiSecurityFor({ tenantId: TENANT, audience: AUDIENCE })!;
  const secured = buildOpenApiDocument(routeList, {
    version: '1.2.3',
    serverUrl: 'https://vending.azurewebsites.net/api',
    security,
  }) as Document;

  it('declares Entra as an OAuth 2.0 scheme: authorization code for users, client credentials for daemons', () => {
    const scheme = secured.components!.securitySchemes[OPENAPI_SECURITY_SCHEME]!;
    expect(scheme.type).toBe('oauth2');
    expect(scheme.flows.authorizationCode).toEqual({
      authorizationUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`,
      tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
      scopes: { [SCOPE]: expect.any(String) as string },
    });
    expect(scheme.flows.clientCredentials).toEqual({
      tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
      scopes: { [SCOPE]: expect.any(String) as string },
    });
  });

  it('requires the scope on every route but health and the description documents, which are anonymous', () => {
    const anonymous: string[] = [routes.health, routes.openApi, routes.connectorDefinition].map((r) => r.name);
    for (const route of routeList) {
      for (const method of route.methods) {
        const op = secured.paths[`/${route.route}`]![method.toLowerCase()]!;
        expect(op.security).toEqual(anonymous.includes(route.name) ? [] : [{ [OPENAPI_SECURITY_SCHEME]: [SCOPE] }]);
      }
    }
  });

  it('declares no scheme while the tenant or the audience is not configured', () => {
    const open = buildOpenApiDocument(routeList, {
      version: '1',
      security: apiSecurityFor({ tenantId: TENANT, audience: undefined }),
    }) as Document;
    expect(open.components).toBeUndefined();
    expect(open.paths['/applications']!.post!.security).toBeUndefined();
    expect(open.paths['/health']!.get!.security).toEqual([]);
  });

  it('is a valid OpenAPI 3.0 document for swagger-parser', async () => {
    await expect(SwaggerParser.validate(structuredClone(secured) as never)).resolves.toBeDefined();
  });

  it('passes the Redocly linter’s recommended rules with 0 errors and 0 warnings', async () => {
    const config = await createConfig({
      extends: ['recommended'],
      // Health and the description documents take no input and need no token: they have no 4XX answer to give.
      rules: { 'operation-4xx-response': 'off' },
    });
    const problems = await lintFromString({ source: JSON.stringify(secured), config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([]);
  });

  it('has a 4XX answer on every route that takes input or a token', async () => {
    const config = await createConfig({ extends: [], rules: { 'operation-4xx-response': 'error' } });
    const problems = await lintFromString({ source: JSON.stringify(secured), config });
    const paths = problems.map((p) => p.location[0]?.pointer ?? '');
    expect(paths.sort()).toEqual([
      '#/paths/~1connector~1swagger.json/get/responses',
      '#/paths/~1health/get/responses',
      '#/paths/~1openapi.json/get/responses',
    ]);
  });
});
