import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { configuredApiSecurity } from '../http/apiSecurity';
import { buildOpenApiDocument } from '../http/openApiDocument';
import { routeList } from '../http/routes';
import { Services } from '../services';
import packageJson from '../../package.json';

const { version } = packageJson;

/**
 * `GET /api/openapi.json`: the OpenAPI 3.0 document, with the server URL of the host that was asked and the
 * configured tenant and audience as its OAuth 2.0 scheme. Anonymous: it holds no secret.
 */
export function openApi(
  request: HttpRequest,
  _context: InvocationContext,
  services: Services,
): Promise<HttpResponseInit> {
  const origin = new URL(request.url).origin;
  return Promise.resolve({
    status: 200,
    jsonBody: buildOpenApiDocument(routeList, {
      serverUrl: `${origin}/api`,
      version,
      security: configuredApiSecurity(services.config.api),
    }),
  });
}
