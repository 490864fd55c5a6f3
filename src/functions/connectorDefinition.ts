import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { configuredApiSecurity } from '../http/apiSecurity';
import { buildConnectorDocument } from '../http/connectorDocument';
import { routeList } from '../http/routes';
import { Services } from '../services';
import packageJson from '../../package.json';

const { version } = packageJson;

/**
 * `GET /api/connector/swagger.json`: the Swagger 2.0 connector document aimed at the host that was asked, with the
 * configured tenant and audience as its OAuth 2.0 definition. This URL is what the Logic Apps "HTTP + Swagger" action
 * and a custom connector's "import from URL" take. Anonymous: it holds no secret.
 */
export function connectorDefinition(
  request: HttpRequest,
  _context: InvocationContext,
  services: Services,
): Promise<HttpResponseInit> {
  const url = new URL(request.url);
  return Promise.resolve({
    status: 200,
    jsonBody: buildConnectorDocument(routeList, {
      version,
      target: { host: url.host, scheme: url.protocol === 'http:' ? 'http' : 'https' },
      security: configuredApiSecurity(services.config.api),
    }),
  });
}
