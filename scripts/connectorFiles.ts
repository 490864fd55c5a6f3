// The connector files `paconn create` takes, as text: apiDefinition.swagger.json and apiProperties.json, rendered
// from the route table by src/http/connectorDocument.ts. Without a deployment's values they hold placeholders: those
// are the files committed in connector/, and a test keeps them equal to what this renders.
import { apiSecurityFor } from '../src/http/apiSecurity';
import { buildConnectorDocument, buildConnectorProperties } from '../src/http/connectorDocument';
import { routeList } from '../src/http/routes';
import packageJson from '../package.json';

/** A deployment's values; any left out is a placeholder. */
export interface ConnectorDeployment {
  /** The function app's host name (`vending.azurewebsites.net`). */
  host?: string;
  /** API_TENANT_ID of the deployment. */
  tenantId?: string;
  /** The API's identifier URI (API_IDENTIFIER_URI; App ID URI) of the deployment. */
  audience?: string;
  /** Client id of the connector's own app registration. */
  connectorClientId?: string;
}

/** What stands in for a value a deployment did not give; visible at a glance in the files. */
export const PLACEHOLDERS = {
  host: 'YOUR-FUNCTION-APP.azurewebsites.net',
  tenantId: 'YOUR-TENANT-ID',
  audience: 'api://YOUR-TENANT-ID/entra-app-vending',
  connectorClientId: 'YOUR-CONNECTOR-CLIENT-ID',
} as const;

/** File name → content (JSON, four-space indented as connector files are, with a final newline). */
export function renderConnectorFiles(deployment: ConnectorDeployment = {}): Record<string, string> {
  const values = { ...PLACEHOLDERS, ...deployment };
  const security = apiSecurityFor({ tenantId: values.tenantId, audience: values.audience })!;
  const definition = buildConnectorDocument(routeList, {
    version: packageJson.version,
    target: { host: values.host, scheme: 'https' },
    security,
  });
  const properties = buildConnectorProperties({ security, connectorClientId: values.connectorClientId });
  const text = (value: object): string => `${JSON.stringify(value, null, 4)}\n`;
  return { 'apiDefinition.swagger.json': text(definition), 'apiProperties.json': text(properties) };
}
