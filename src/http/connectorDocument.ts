import { ApiSecurity, DEFAULT_AUTHORITY_HOST } from './apiSecurity';
import { routePlaceholders } from './openApiDocument';
import { RouteDefinition } from './routes';
import { pathParameters, problemSchema } from './schemas';

/**
 * The connector rendition of the route table: OpenAPI 2.0 (Swagger) with Microsoft's connector extensions, what Power
 * Platform custom connectors (Logic Apps, Power Automate, Power Apps) and the Logic Apps "HTTP + Swagger" action
 * import. They take Swagger 2.0 only, under 1 MB, use the first security definition, and read `x-ms-summary` and
 * `x-ms-visibility`. Built from the same route table and JSON Schemas as the OpenAPI 3 document, so the two cannot
 * disagree about what the API accepts; where Swagger 2.0 cannot say something (`oneOf`), the connector gets a form of
 * it that the API accepts too.
 */

/** The connector's name as users see it (connector titles: at most 30 characters, without the word "API"). */
export const CONNECTOR_TITLE = 'Entra App Vending';

/** Name of the OAuth 2.0 security definition: the only one, so the first, which is the one connectors use. */
export const CONNECTOR_SECURITY_DEFINITION = 'oauth2_auth';

/** Where the connector document sends its calls. */
export interface ConnectorTarget {
  /** Host name, with a port if not the scheme's default (`vending.azurewebsites.net`). */
  host: string;
  scheme: 'https' | 'http';
  /** Default `/api`, the Functions host's route prefix. */
  basePath?: string;
}

type Schema = Record<string, unknown>;

/** The problem+json schema, defined once and referenced by every error answer (it keeps the document small). */
const PROBLEM_REF = { $ref: '#/definitions/Problem' };

/** The operationId a connector uses for a route: PascalCase of the function name (`addSecret` → `AddSecret`). */
export function connectorOperationId(route: Pick<RouteDefinition, 'name'>): string {
  return route.name.charAt(0).toUpperCase() + route.name.slice(1);
}

const ACRONYMS: Record<string, string> = { Id: 'ID', Uri: 'URI', Url: 'URL' };

/** A property name as the title a connector shows for it: `secretUriWithoutVersion` → `Secret URI Without Version`. */
export function titleOf(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(' ')
    .map((word) => {
      const capitalised = word.charAt(0).toUpperCase() + word.slice(1);
      return ACRONYMS[capitalised] ?? capitalised;
    })
    .join(' ');
}

/**
 * A JSON Schema of ours as a connector schema: `nullable` becomes `x-nullable`, `$comment` goes, a `oneOf` keeps its
 * object branch (connectors do not take alternatives; the API still accepts the others), and every property gets its
 * `x-ms-summary`; in request bodies the required ones are `important`.
 */
function toConnectorSchema(schema: Schema, input: boolean, name?: string, required = false): Schema {
  const { oneOf, nullable, properties, items, ...rest } = schema;
  delete rest.$comment;
  if (Array.isArray(oneOf)) {
    const branch = (oneOf as Schema[]).find((b) => b.type === 'object');
    if (!branch) throw new Error(`No object branch to render the oneOf of '${name ?? 'a schema'}' for connectors.`);
    const description = rest.description ?? branch.description;
    return toConnectorSchema({ ...branch, ...(description ? { description } : {}) }, input, name, required);
  }
  const converted: Schema = { ...rest };
  if (nullable === true) converted['x-nullable'] = true;
  if (name !== undefined) converted['x-ms-summary'] = titleOf(name);
  if (input && required) converted['x-ms-visibility'] = 'important';
  if (properties) {
    const requiredNames = Array.isArray(rest.required) ? (rest.required as string[]) : [];
    converted.properties = Object.fromEntries(
      Object.entries(properties as Record<string, Schema>).map(([key, value]) => [
        key,
        toConnectorSchema(value, input, key, requiredNames.includes(key)),
      ]),
    );
  }
  if (items) converted.items = toConnectorSchema(items as Schema, input);
  return converted;
}

function operationOf(route: RouteDefinition, security: ApiSecurity | undefined): object {
  const parameters: object[] = routePlaceholders(route).flatMap((name) => {
    const parameter = pathParameters[name];
    if (!parameter) return [];
    return [
      {
        name,
        in: 'path',
        required: true,
        ...parameter.schema,
        description: parameter.description,
        'x-ms-summary': parameter.title,
        'x-ms-visibility': 'important',
        'x-ms-url-encoding': 'single',
      },
    ];
  });
  for (const query of route.query ?? []) {
    parameters.push({
      name: query.name,
      in: 'query',
      required: false,
      ...query.schema,
      description: query.description,
      'x-ms-summary': titleOf(query.name),
      'x-ms-visibility': 'advanced',
    });
  }
  if (route.requestBody) {
    parameters.push({
      name: 'body',
      in: 'body',
      required: route.requestBody.required,
      schema: toConnectorSchema(route.requestBody.schema as Schema, true),
      'x-ms-summary': 'Body',
      ...(route.requestBody.required ? { 'x-ms-visibility': 'important' } : {}),
    });
  }
  const visibility = route.connector ? route.connector.visibility : 'important';
  return {
    operationId: connectorOperationId(route),
    summary: route.summary,
    description: route.description ?? `${route.summary}.`,
    tags: [route.tag],
    'x-ms-visibility': visibility,
    ...(route.requestBody ? { consumes: ['application/json'] } : {}),
    produces: ['application/json', 'application/problem+json'],
    ...(parameters.length > 0 ? { parameters } : {}),
    responses: Object.fromEntries(
      Object.entries(route.responses).map(([status, [description, schema]]) => [
        status,
        {
          description,
          ...(schema === problemSchema ? { schema: PROBLEM_REF } : {}),
          ...(schema && schema !== problemSchema ? { schema: toConnectorSchema(schema as Schema, false) } : {}),
        },
      ]),
    ),
    ...(route.auth === 'anonymous' ? { security: [] } : {}),
    ...(route.auth !== 'anonymous' && security
      ? { security: [{ [CONNECTOR_SECURITY_DEFINITION]: [security.scope] }] }
      : {}),
  };
}

/**
 * The Swagger 2.0 connector document of the routes that belong in a connector (not the description documents nor
 * health), calling `target`. With `security` (from the configured tenant and audience) its first and only security
 * definition is Entra's OAuth 2.0 authorization code flow for the API's scope: connectors sign their users in that way
 * (they do not support client credentials there).
 */
export function buildConnectorDocument(
  routes: readonly RouteDefinition[],
  options: { version: string; target: ConnectorTarget; security?: ApiSecurity },
): object {
  const { security, target } = options;
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    if (route.connector === false) continue;
    for (const method of route.methods) {
      paths[`/${route.route}`] ??= {};
      paths[`/${route.route}`]![method.toLowerCase()] = operationOf(route, security);
    }
  }
  return {
    swagger: '2.0',
    info: {
      title: CONNECTOR_TITLE,
      description:
        'Vends Microsoft Entra app registrations and client secrets under a lifetime policy. Secrets go to Key Vault; answers carry Key Vault references, never values.',
      version: options.version,
      license: { name: 'MIT', url: 'https://spdx.org/licenses/MIT.html' },
    },
    host: target.host,
    basePath: target.basePath ?? '/api',
    schemes: [target.scheme],
    consumes: ['application/json'],
    produces: ['application/json'],
    paths,
    definitions: { Problem: toConnectorSchema(problemSchema, false) },
    ...(security
      ? {
          securityDefinitions: {
            [CONNECTOR_SECURITY_DEFINITION]: {
              type: 'oauth2',
              flow: 'accessCode',
              authorizationUrl: security.authorizationUrl,
              tokenUrl: security.tokenUrl,
              scopes: { [security.scope]: 'Call the vending API with the app roles assigned to the signed-in user.' },
            },
          },
          security: [{ [CONNECTOR_SECURITY_DEFINITION]: [security.scope] }],
        }
      : {}),
    'x-ms-connector-metadata': [{ propertyName: 'Categories', propertyValue: 'Security;IT Operations' }],
  };
}

/** Options of {@link buildConnectorProperties}. */
export interface ConnectorPropertiesOptions {
  security: ApiSecurity;
  /** Client id of the connector's own app registration (it signs users in and asks for the API's scope). */
  connectorClientId: string;
  /** Entra's sign-in host; default the public cloud's. */
  loginUri?: string;
}

/**
 * The connector's `apiProperties.json` for `paconn create`: one OAuth connection parameter (identity provider `aad`)
 * against the API's tenant and audience, the global consent redirect, and the connector's brand colour. The client
 * secret of the connector's app registration is never written here: `paconn create --secret` takes it.
 */
export function buildConnectorProperties(options: ConnectorPropertiesOptions): object {
  const { security } = options;
  return {
    properties: {
      connectionParameters: {
        token: {
          type: 'oauthSetting',
          oAuthSettings: {
            identityProvider: 'aad',
            clientId: options.connectorClientId,
            scopes: [security.scope],
            redirectMode: 'Global',
            redirectUrl: 'https://global.consent.azure-apim.net/redirect',
            properties: { IsFirstParty: 'False', AzureActiveDirectoryResourceId: security.audience },
            customParameters: {
              loginUri: { value: options.loginUri ?? DEFAULT_AUTHORITY_HOST },
              tenantId: { value: security.tenantId },
              resourceUri: { value: security.audience },
            },
          },
          uiDefinition: {
            displayName: 'Sign in with Microsoft Entra ID',
            description: 'The account the connection calls the vending API as.',
            tooltip: 'Provide a Microsoft Entra ID account of the tenant the vending API belongs to.',
            constraints: { required: 'true' },
          },
        },
      },
      iconBrandColor: '#0078d4',
      capabilities: ['actions'],
      policyTemplateInstances: [],
    },
  };
}
