import { HttpRequest, HttpResponseInit } from '@azure/functions';
import { buildOpenApiDocument } from '../http/openApiDocument';
import { routeList } from '../http/routes';
import packageJson from '../../package.json';

const { version } = packageJson;

/** `GET /api/openapi.json`: the OpenAPI 3.0 document, with the server URL of the host that was asked. */
export function openApi(request: HttpRequest): Promise<HttpResponseInit> {
  const origin = new URL(request.url).origin;
  return Promise.resolve({
    status: 200,
    jsonBody: buildOpenApiDocument(routeList, { serverUrl: `${origin}/api`, version }),
  });
}
