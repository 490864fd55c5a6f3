import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { apiSecurityFor } from '../../../src/http/apiSecurity';
import {
  buildConnectorDocument,
  buildConnectorProperties,
  CONNECTOR_SECURITY_DEFINITION,
  CONNECTOR_TITLE,
  connectorOperationId,
  titleOf,
} from '../../../src/http/connectorDocument';
import { RouteDefinition, routeList, routes } from '../../../src/http/routes';
import { PLACEHOLDERS, renderConnectorFiles } from '../../../scripts/connectorFiles';
import {
  connectorDefinitionValidator,
  connectorPropertiesValidator,
  schemaErrors,
} from '../../support/connectorSchemas';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; required?: string[] };
interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema?: Schema;
  pattern?: string;
  [extension: string]: unknown;
}
interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  'x-ms-visibility': string;
  parameters?: Parameter[];
  responses: Record<string, { description: string; schema?: Schema }>;
  security?: Record<string, string[]>[];
}
interface SwaggerDocument {
  swagger: string;
  info: { title: string; description: string; version: string };
  host: string;
  basePath: string;
  schemes: string[];
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, Schema>;
  securityDefinitions?: Record<string, Record<string, unknown>>;
  security?: Record<string, string[]>[];
}

const root = resolve(__dirname, '..', '..', '..');
const TENANT = '7d0c8a5e-4b1f-4c3e-9a6d-2f5e8b1c0a11';
const AUDIENCE = `api://${TENANT}/entra-app-vending`;
const security = apiSecurityFor({ tenantId: TENANT, audience: AUDIENCE })!;
const build = (options: Partial<Parameters<typeof buildConnectorDocument>[1]> = {}): SwaggerDocument =>
  buildConnectorDocument(routeList, {
    version: '1.2.3',
    target: { host: 'vending.azurewebsites.net', scheme: 'https' },
    security,
    ...options,
  }) as SwaggerDocument;
const doc = build();
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);
const connectorRoutes = routeList.filter((r) => r.connector !== false);

/** Every schema below `schema` with the property name it sits under (the root has none). */
function* namedSchemas(schema: Schema, name?: string): Generator<{ name: string | undefined; schema: Schema }> {
  yield { name, schema };
  for (const [key, value] of Object.entries(schema.properties ?? {})) yield* namedSchemas(value, key);
  if (schema.items) yield* namedSchemas(schema.items);
}

describe('the committed connector files', () => {
  const committed = (name: string): string => readFileSync(resolve(root, 'connector', name), 'utf8');

  it('are exactly what `npm run connector` renders from the route table (they never drift)', () => {
    const rendered = renderConnectorFiles();
    expect(Object.keys(rendered).sort()).toEqual(['apiDefinition.swagger.json', 'apiProperties.json']);
    for (const [name, text] of Object.entries(rendered)) expect(committed(name)).toBe(text);
  });

  it('are under the 1 MB connectors accept, and name their placeholders plainly', () => {
    const definition = committed('apiDefinition.swagger.json');
    expect(Buffer.byteLength(definition)).toBeLessThan(1024 * 1024);
    const parsed = JSON.parse(definition) as SwaggerDocument;
    expect(parsed.host).toBe(PLACEHOLDERS.host);
    expect(JSON.stringify(parsed.securityDefinitions)).toContain(PLACEHOLDERS.tenantId);
  });

  it('pass Microsoft’s connector schema with 0 errors and swagger-parser’s Swagger 2.0 validation', async () => {
    const definition = JSON.parse(committed('apiDefinition.swagger.json')) as object;
    expect(schemaErrors(connectorDefinitionValidator(), definition)).toEqual([]);
    await expect(SwaggerParser.validate(structuredClone(definition) as never)).resolves.toBeDefined();
  });

  it('have an apiProperties.json that passes paconn’s schema with 0 errors', () => {
    const properties = JSON.parse(committed('apiProperties.json')) as object;
    expect(schemaErrors(connectorPropertiesValidator(), properties)).toEqual([]);
  });

  it('render a deployment’s values when given them', () => {
    const files = renderConnectorFiles({
      host: 'vending.azurewebsites.net',
      tenantId: TENANT,
      audience: AUDIENCE,
      connectorClientId: '11111111-2222-3333-4444-555555555555',
    });
    const definition = JSON.parse(files['apiDefinition.swagger.json']!) as SwaggerDocument;
    expect(definition.host).toBe('vending.azurewebsites.net');
    expect(definition.securityDefinitions![CONNECTOR_SECURITY_DEFINITION]!.tokenUrl).toBe(
      `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    );
    expect(files['apiProperties.json']).toContain('11111111-2222-3333-4444-555555555555');
    expect(JSON.stringify(files)).not.toMatch(/YOUR-/);
    expect(schemaErrors(connectorDefinitionValidator(), definition)).toEqual([]);
  });
});

describe('buildConnectorDocument', () => {
  it('is Swagger 2.0 with host, basePath and schemes of its target', () => {
    expect(doc.swagger).toBe('2.0');
    expect(doc.host).toBe('vending.azurewebsites.net');
    expect(doc.basePath).toBe('/api');
    expect(doc.schemes).toEqual(['https']);
    const local = build({ target: { host: '127.0.0.1:7071', scheme: 'http' } });
    expect([local.host, local.schemes]).toEqual(['127.0.0.1:7071', ['http']]);
    expect(schemaErrors(connectorDefinitionValidator(), local)).toEqual([]);
  });

  it('titles the connector as connectors require: at most 30 characters, without the word API', () => {
    expect(doc.info.title).toBe(CONNECTOR_TITLE);
    expect(doc.info.title.length).toBeLessThanOrEqual(30);
    expect(`${doc.info.title} ${doc.info.description}`).not.toMatch(/\bAPI\b/);
    expect(doc.info.version).toBe('1.2.3');
  });

  it('declares Entra’s authorization code flow for the API scope as its first and only security definition', () => {
    const names = Object.keys(doc.securityDefinitions!);
    expect(names).toEqual([CONNECTOR_SECURITY_DEFINITION]);
    expect(doc.securityDefinitions![names[0]!]).toEqual({
      type: 'oauth2',
      flow: 'accessCode',
      authorizationUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize`,
      tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
      scopes: { [`${AUDIENCE}/.default`]: expect.any(String) as string },
    });
    expect(doc.security).toEqual([{ [CONNECTOR_SECURITY_DEFINITION]: [`${AUDIENCE}/.default`] }]);
    for (const { op } of operations) {
      expect(op.security).toEqual([{ [CONNECTOR_SECURITY_DEFINITION]: [`${AUDIENCE}/.default`] }]);
    }
  });

  it('declares no security without a configured tenant and audience, and stays valid', () => {
    for (const api of [
      { tenantId: TENANT, audience: undefined },
      { tenantId: undefined, audience: AUDIENCE },
    ]) {
      const open = build({ security: apiSecurityFor(api) });
      expect(open.securityDefinitions).toBeUndefined();
      expect(open.security).toBeUndefined();
      expect(schemaErrors(connectorDefinitionValidator(), open)).toEqual([]);
    }
  });

  it('holds every vending route and none of the description documents nor health', () => {
    const ids = operations.map(({ op }) => op.operationId).sort();
    const expected = connectorRoutes.flatMap((r) => r.methods.map(() => connectorOperationId(r))).sort();
    expect(ids).toEqual(expected);
    expect(ids).toEqual(expect.arrayContaining(['CreateApplication', 'AddSecret', 'ListSecrets', 'RevokeSecret']));
    for (const route of [routes.openApi, routes.connectorDefinition, routes.health]) {
      expect(doc.paths[`/${route.route}`]).toBeUndefined();
    }
  });

  it('uses unique PascalCase operationIds without hyphens or underscores', () => {
    const ids = operations.map(({ op }) => op.operationId);
    for (const id of ids) expect(id).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every operation a sentence-case summary of at most 80 characters and a different description', () => {
    for (const { op } of operations) {
      expect(op.summary.length).toBeLessThanOrEqual(80);
      expect(op.summary).toMatch(/^[A-Z]/);
      expect(op.summary).toMatch(/[A-Za-z0-9]$/);
      expect(op.summary).not.toContain('/');
      // Sentence case: not every word capitalised.
      expect(op.summary.split(' ').filter((w) => /^[a-z]/.test(w)).length).toBeGreaterThan(0);
      expect(op.description).toMatch(/\.$/);
      expect(op.description).not.toBe(op.summary);
      expect(op['x-ms-visibility']).toBe('important');
    }
  });

  it('gives every parameter x-ms-summary and x-ms-visibility, and path parameters their GUID pattern', () => {
    for (const { op, path } of operations) {
      for (const parameter of op.parameters ?? []) {
        expect(parameter['x-ms-summary']).toEqual(expect.any(String));
        if (parameter.in === 'path') {
          expect(path).toContain(`{${parameter.name}}`);
          expect(parameter).toMatchObject({ required: true, type: 'string', 'x-ms-visibility': 'important' });
          expect(new RegExp(parameter.pattern!).test('2f0e6a4b-7c1d-4e8f-9a0b-1c2d3e4f5a6b')).toBe(true);
        }
      }
    }
  });

  it('gives every property of every request and response schema its x-ms-summary', () => {
    const schemas: Schema[] = [
      ...Object.values(doc.definitions),
      ...operations.flatMap(({ op }) => [
        ...(op.parameters ?? []).flatMap((p) => (p.schema ? [p.schema] : [])),
        ...Object.values(op.responses).flatMap((r) => (r.schema && !('$ref' in r.schema) ? [r.schema] : [])),
      ]),
    ];
    let checked = 0;
    for (const schema of schemas) {
      for (const { name, schema: property } of namedSchemas(schema)) {
        if (name === undefined) continue;
        expect(property['x-ms-summary']).toBe(titleOf(name));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('marks the required fields of a request body important', () => {
    const create = doc.paths['/applications']!.post!;
    const body = create.parameters!.find((p) => p.in === 'body')!;
    expect(body.required).toBe(true);
    expect(body.schema!.properties!.displayName!['x-ms-visibility']).toBe('important');
    expect(body.schema!.properties!.description!['x-ms-visibility']).toBeUndefined();
  });

  it('has no oneOf: the create body offers createSecret and the secret object instead of secret: false', () => {
    expect(JSON.stringify(doc)).not.toContain('"oneOf"');
    const body = doc.paths['/applications']!.post!.parameters!.find((p) => p.in === 'body')!.schema!;
    expect(body.properties!.createSecret).toMatchObject({ type: 'boolean', default: true });
    expect(body.properties!.secret).toMatchObject({ type: 'object', additionalProperties: false });
    expect(Object.keys(body.properties!.secret!.properties!)).toEqual([
      'displayName',
      'lifetimeDays',
      'startDateTime',
      'endDateTime',
    ]);
  });

  it('says nullable the Swagger 2.0 way (x-nullable) and answers errors with the one Problem definition', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"nullable"');
    expect(text).toContain('"x-nullable":true');
    const created = doc.paths['/applications']!.post!.responses;
    expect(created['201']!.schema!.properties!.secret!['x-nullable']).toBe(true);
    expect(created['400']!.schema).toEqual({ $ref: '#/definitions/Problem' });
    expect(created['413']!.schema).toEqual({ $ref: '#/definitions/Problem' });
    expect(doc.definitions.Problem!.properties!.maxLifetimeDays).toBeDefined();
  });

  it('documents every status of every route', () => {
    for (const route of connectorRoutes) {
      for (const method of route.methods) {
        const op = doc.paths[`/${route.route}`]![method.toLowerCase()]!;
        expect(Object.keys(op.responses).sort()).toEqual(Object.keys(route.responses).sort());
      }
    }
  });

  it('keeps an anonymous route anonymous and leaves a route out with connector: false', () => {
    const probe: RouteDefinition = {
      name: 'probeThing',
      methods: ['GET'],
      route: 'things',
      summary: 'Probe a thing',
      tag: 't',
      responses: { 200: ['ok', undefined] },
      auth: 'anonymous',
    };
    const hidden: RouteDefinition = { ...probe, name: 'hidden', route: 'hidden', connector: false };
    const built = buildConnectorDocument([probe, hidden], {
      version: '0',
      target: { host: 'h.example', scheme: 'https' },
      security,
    }) as SwaggerDocument;
    expect(built.paths['/things']!.get).toMatchObject({
      operationId: 'ProbeThing',
      description: 'Probe a thing.',
      security: [],
    });
    expect(built.paths['/hidden']).toBeUndefined();
  });
});

describe('titleOf', () => {
  it.each([
    ['displayName', 'Display Name'],
    ['appId', 'App ID'],
    ['secretUriWithoutVersion', 'Secret URI Without Version'],
    ['hint', 'Hint'],
  ])('%s → %s', (name, title) => expect(titleOf(name)).toBe(title));
});

describe('buildConnectorProperties', () => {
  it('connects with Entra (aad) to the API’s tenant and audience, and holds no client secret', () => {
    const properties = buildConnectorProperties({ security, connectorClientId: 'connector-client' }) as {
      properties: { connectionParameters: { token: { type: string; oAuthSettings: Record<string, unknown> } } };
    };
    const token = properties.properties.connectionParameters.token;
    expect(token.type).toBe('oauthSetting');
    expect(token.oAuthSettings).toMatchObject({
      identityProvider: 'aad',
      clientId: 'connector-client',
      scopes: [`${AUDIENCE}/.default`],
      customParameters: { tenantId: { value: TENANT }, resourceUri: { value: AUDIENCE } },
    });
    expect(JSON.stringify(properties)).not.toMatch(/clientSecret/i);
    expect(schemaErrors(connectorPropertiesValidator(), properties)).toEqual([]);
  });
});
