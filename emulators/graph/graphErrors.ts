import { EmulatorError } from '../host/emulatorError';
import { ServiceErrors } from '../host/routedService';
import { ServiceRequest } from '../host/serviceHost';

/** The content type Graph answers JSON with. */
export const GRAPH_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

function headerValue(request: ServiceRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `request-id` / `client-request-id` as Graph sends them on every answer: the client's id is echoed, or made up. */
export function correlationHeaders(request: ServiceRequest): Record<string, string> {
  return {
    'request-id': request.requestId,
    'client-request-id': headerValue(request, 'client-request-id') ?? request.requestId,
  };
}

/** `404 Request_ResourceNotFound` with Graph's exact wording. */
export function notFound(key: string): EmulatorError {
  return new EmulatorError(
    404,
    'Request_ResourceNotFound',
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function insufficientPrivileges(): EmulatorError {
  return new EmulatorError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

export function badRequest(message: string, code = 'Request_BadRequest'): EmulatorError {
  return new EmulatorError(400, code, message);
}

export function invalidObjectIdentifier(value: string): EmulatorError {
  return badRequest(`Invalid object identifier '${value}'.`);
}

export function invalidPropertyValue(property: string, resource: string): EmulatorError {
  return badRequest(`Invalid value specified for property '${property}' of resource '${resource}'.`);
}

export function readOnlyProperty(property: string, advice = ''): EmulatorError {
  return badRequest(`Property '${property}' is read-only and cannot be set.${advice}`);
}

export function segmentNotFound(segment: string): EmulatorError {
  return badRequest(`Resource not found for the segment '${segment}'.`, 'BadRequest');
}

/** 401 with the challenge Graph sends. */
export function invalidToken(message: string): EmulatorError {
  return new EmulatorError(401, 'InvalidAuthenticationToken', message, {
    headers: {
      'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
    },
  });
}

/** Graph's bodies for injected faults, per status: `[code, message, innerError fields]`. */
const FAULTS: Record<number, readonly [string, string, Record<string, string>?]> = {
  400: ['BadRequest', 'Bad request.'],
  401: ['InvalidAuthenticationToken', 'Access token validation failure.'],
  403: ['Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'],
  404: [
    'Request_ResourceNotFound',
    'Resource does not exist or one of its queried reference-property objects are not present.',
  ],
  409: ['Request_MultipleObjectsWithSameKeyValue', 'Another object with the same value for property already exists.'],
  429: ['TooManyRequests', 'Please retry again later.', { code: '429', status: '429', message: 'Please retry after' }],
  503: ['serviceNotAvailable', 'Service unavailable'],
  504: ['UnknownError', ''],
};

/** Graph's innerError date: UTC, seconds precision, no zone designator (`2020-08-18T12:51:51`). */
function innerErrorDate(): string {
  return new Date().toISOString().slice(0, 19);
}

/**
 * Graph's error envelope: `{"error":{"code","message","details"?,"innerError":{…,"date","request-id","client-request-id"}}}`.
 * Unknown path segments are 400 `BadRequest`, a known path with another method 405.
 */
export const GRAPH_ERRORS: ServiceErrors = {
  notFound: (segment) => segmentNotFound(segment),
  methodNotAllowed: () =>
    new EmulatorError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.'),
  fault(status) {
    const [code, message, inner] =
      FAULTS[status] ??
      (status >= 500 ? ['generalException', 'An unspecified error has occurred.'] : ['BadRequest', 'Bad request.']);
    return new EmulatorError(status, code, message, inner ? { inner } : {});
  },
  render(error, request) {
    return {
      status: error.status,
      headers: { ...error.extras.headers },
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.extras.details ? { details: error.extras.details } : {}),
          innerError: { ...error.extras.inner, date: innerErrorDate(), ...correlationHeaders(request) },
        },
      },
    };
  },
};
