import { RouteDefinition } from './routes';
import { appIdParameterPattern } from './schemas';

/** Strips what OpenAPI 3.0 schema objects do not allow (`$comment`) and keeps the rest. */
function toOpenApiSchema(schema: object): object {
  return JSON.parse(
    JSON.stringify(schema, (key, value: unknown) => (key === '$comment' ? undefined : value)),
  ) as object;
}

const pathParameters: Record<string, object> = {
  appId: {
    name: 'appId',
    in: 'path',
    required: true,
    description: 'The application (client) id.',
    schema: { type: 'string', pattern: appIdParameterPattern },
  },
  keyId: {
    name: 'keyId',
    in: 'path',
    required: true,
    description: 'The credential keyId.',
    schema: { type: 'string', pattern: appIdParameterPattern },
  },
};

/**
 * The OpenAPI 3.0.3 document of the API, built from the route table and the same JSON Schemas ajv validates with.
 * 3.0 (not 3.1) because Logic Apps and Power Automate custom connectors import 2.0/3.0 documents.
 */
export function buildOpenApiDocument(
  routes: readonly RouteDefinition[],
  options: { serverUrl?: string; version: string },
): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = `/${route.route}`;
    const parameters = [...route.route.matchAll(/\{(\w+)\}/g)].map((m) => pathParameters[m[1]!]).filter(Boolean);
    for (const method of route.methods) {
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = {
        operationId: route.name,
        summary: route.summary,
        ...(route.description ? { description: route.description } : {}),
        tags: [route.tag],
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
      description:
        'Vends Microsoft Entra app registrations and client secrets under a lifetime policy. Secrets go to Key Vault; answers carry Key Vault references, never values.',
    },
    servers: [{ url: options.serverUrl ?? '/api' }],
    paths,
  };
}
