import { ApiSecurity } from './apiSecurity';
import { RouteDefinition } from './routes';
import { pathParameters } from './schemas';

/** Name of the OAuth 2.0 scheme (Entra) in `components.securitySchemes`. */
export const OPENAPI_SECURITY_SCHEME = 'entra';

/** Strips what OpenAPI 3.0 schema objects do not allow (`$comment`) and keeps the rest. */
function toOpenApiSchema(schema: object): object {
  return JSON.parse(
    JSON.stringify(schema, (key, value: unknown) => (key === '$comment' ? undefined : value)),
  ) as object;
}

/** The `{placeholder}` names of a route template, in order. */
export function routePlaceholders(route: Pick<RouteDefinition, 'route'>): string[] {
  return [...route.route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** Entra as an OAuth 2.0 scheme: users through a client (authorization code), daemons with their own identity. */
function securitySchemes(security: ApiSecurity): Record<string, object> {
  const scopes = { [security.scope]: 'Call the vending API with the app roles assigned to the caller.' };
  return {
    [OPENAPI_SECURITY_SCHEME]: {
      type: 'oauth2',
      description: `Microsoft Entra ID access tokens of tenant ${security.tenantId} for the audience ${security.audience}.`,
      flows: {
        authorizationCode: {
          authorizationUrl: security.authorizationUrl,
          tokenUrl: security.tokenUrl,
          scopes,
        },
        clientCredentials: { tokenUrl: security.tokenUrl, scopes },
      },
    },
  };
}

/**
 * The OpenAPI 3.0.3 document of the API, built from the route table and the same JSON Schemas ajv validates with.
 * With `security` (from the configured tenant and audience) it declares Entra as an OAuth 2.0 scheme and, per
 * operation, whether a token is needed. Power Platform connectors and the Logic Apps "HTTP + Swagger" action read
 * Swagger 2.0 only: they get `connectorDocument.ts`'s rendition of the same table.
 */
export function buildOpenApiDocument(
  routes: readonly RouteDefinition[],
  options: { serverUrl?: string; version: string; security?: ApiSecurity },
): object {
  const { security } = options;
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = `/${route.route}`;
    const parameters = [
      ...routePlaceholders(route).flatMap((name) => {
        const parameter = pathParameters[name];
        if (!parameter) return [];
        return [{ name, in: 'path', required: true, description: parameter.description, schema: parameter.schema }];
      }),
      ...(route.query ?? []).map((q) => ({
        name: q.name,
        in: 'query',
        required: false,
        description: q.description,
        schema: q.schema,
      })),
    ];
    const operationSecurity =
      route.auth === 'anonymous' ? [] : security ? [{ [OPENAPI_SECURITY_SCHEME]: [security.scope] }] : [];
    for (const method of route.methods) {
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = {
        operationId: route.name,
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        tags: [route.tag],
        ...(route.auth === 'anonymous' || security ? { security: operationSecurity } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(route.requestBody
          ? {
              requestBody: {
                required: route.requestBody.required,
                content: { 'application/json': { schema: toOpenApiSchema(route.requestBody.schema) } },
              },
            }
          : {}),
        responses: Object.fromEntries(
          Object.entries(route.responses).map(([status, [description, schema]]) => [
            status,
            {
              description,
              ...(schema
                ? {
                    content: {
                      [Number(status) >= 400 ? 'application/problem+json' : 'application/json']: {
                        schema: toOpenApiSchema(schema),
                      },
                    },
                  }
                : {}),
            },
          ]),
        ),
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'entra-app-vending',
      version: options.version,
      license: { name: 'MIT', url: 'https://spdx.org/licenses/MIT.html' },
      description:
        'Vends Microsoft Entra app registrations and client secrets under a lifetime policy. Secrets go to Key Vault; answers carry Key Vault references, never values.',
    },
    servers: [{ url: options.serverUrl ?? '/api' }],
    paths,
    ...(security ? { components: { securitySchemes: securitySchemes(security) } } : {}),
  };
}
