import { HttpRequest, HttpResponseInit } from '@azure/functions';
import { HostHttpHandler } from './httpFunction';

/** Request header names a preflight may ask for: tokens separated by commas, nothing else is echoed. */
const HEADER_NAMES = /^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*\s*$/;

/** How long a browser may reuse a preflight answer, in seconds. */
export const PREFLIGHT_MAX_AGE_SECONDS = 86_400;

function preflight(request: HttpRequest, allowMethods: string): HttpResponseInit {
  const headers = new Headers({
    'access-control-allow-origin': '*',
    'access-control-allow-methods': allowMethods,
    'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    allow: allowMethods,
    vary: 'Access-Control-Request-Headers',
  });
  const asked = request.headers.get('access-control-request-headers');
  if (asked !== null && HEADER_NAMES.test(asked)) headers.set('access-control-allow-headers', asked);
  return { status: 204, headers };
}

/**
 * Makes a route readable from any origin, as the Logic Apps designer and the connector wizard read a document from the
 * browser: `OPTIONS` answers the preflight (204 with the allowed methods, the asked headers and a max age), and every
 * answer carries `Access-Control-Allow-Origin: *`. Only for anonymous routes without credentials: `*` never lets a
 * browser send cookies or an Authorization header it holds for this host.
 */
export function withCors(handler: HostHttpHandler, methods: readonly string[]): HostHttpHandler {
  const allowMethods = [...methods.filter((m) => m !== 'OPTIONS'), 'OPTIONS'].join(', ');
  return async (request, context) => {
    if (request.method.toUpperCase() === 'OPTIONS') return preflight(request, allowMethods);
    const response = await handler(request, context);
    const headers = new Headers(response.headers);
    headers.set('access-control-allow-origin', '*');
    return { ...response, headers };
  };
}
