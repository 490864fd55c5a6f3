import { randomUUID } from 'node:crypto';
import { ServiceRequest, ServiceResponse } from '../host/serviceHost';

/** The content type Graph answers JSON with. */
export const GRAPH_JSON =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** One entry of an OData error's `details`. */
export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

/** A Graph error raised anywhere in a handler; the router turns it into Graph's error envelope. */
export class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: {
      details?: ErrorDetail[];
      headers?: Record<string, string>;
      innerError?: Record<string, string>;
    } = {},
  ) {
    super(message);
  }
}

function headerValue(request: ServiceRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `request-id` / `client-request-id` as Graph sends them on every answer; the client's id is echoed, or made up. */
export function correlation(request: ServiceRequest): { requestId: string; clientRequestId: string } {
  const requestId = randomUUID();
  return { requestId, clientRequestId: headerValue(request, 'client-request-id') ?? requestId };
}

/** Graph's innerError date: UTC, seconds precision, no zone designator (`2020-08-18T12:51:51`). */
function innerErrorDate(): string {
  return new Date().toISOString().slice(0, 19);
}

/** The OData error envelope Graph uses for directory errors. */
export function errorResponse(request: ServiceRequest, failure: GraphFailure, principal?: string): ServiceResponse {
  const { requestId, clientRequestId } = correlation(request);
  const innerError = {
    ...(failure.options.innerError ?? {}),
    date: innerErrorDate(),
    'request-id': requestId,
    'client-request-id': clientRequestId,
  };
  return {
    status: failure.status,
    headers: {
      'content-type': GRAPH_JSON,
      'request-id': requestId,
      'client-request-id': clientRequestId,
      ...(failure.options.headers ?? {}),
    },
    body: {
      error: {
        code: failure.code,
        message: failure.message,
        ...(failure.options.details ? { details: failure.options.details } : {}),
        innerError,
      },
    },
    ...(principal ? { principal } : {}),
  };
}

/** `404 Request_ResourceNotFound` with Graph's exact wording. */
export function notFound(key: string): GraphFailure {
  return new GraphFailure(
    404,
    'Request_ResourceNotFound',
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function insufficientPrivileges(): GraphFailure {
  return new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

export function badRequest(message: string, code = 'Request_BadRequest'): GraphFailure {
  return new GraphFailure(400, code, message);
}

export function invalidObjectIdentifier(value: string): GraphFailure {
  return badRequest(`Invalid object identifier '${value}'.`);
}

export function invalidPropertyValue(property: string, resource: string): GraphFailure {
  return badRequest(`Invalid value specified for property '${property}' of resource '${resource}'.`);
}

export function segmentNotFound(segment: string): GraphFailure {
  return new GraphFailure(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
}

export function methodNotAllowed(): GraphFailure {
  return new GraphFailure(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
}

/** Graph's own bodies for injected faults, per status. */
export function faultFailure(status: number, retryAfterSeconds: number | undefined): GraphFailure {
  const headers: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
  switch (status) {
    case 429:
      return new GraphFailure(429, 'TooManyRequests', 'Please retry again later.', {
        headers,
        innerError: { code: '429', status: '429', message: 'Please retry after' },
      });
    case 503:
      return new GraphFailure(503, 'serviceNotAvailable', 'Service unavailable', { headers });
    case 504:
      return new GraphFailure(504, 'UnknownError', '', { headers });
    case 400:
      return new GraphFailure(400, 'BadRequest', 'Bad request.', { headers });
    case 401:
      return new GraphFailure(401, 'InvalidAuthenticationToken', 'Access token validation failure.', { headers });
    case 403:
      return new GraphFailure(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
        { headers },
      );
    case 404:
      return new GraphFailure(
        404,
        'Request_ResourceNotFound',
        'Resource does not exist or one of its queried reference-property objects are not present.',
        { headers },
      );
    case 409:
      return new GraphFailure(
        409,
        'Request_MultipleObjectsWithSameKeyValue',
        'Another object with the same value for property already exists.',
        { headers },
      );
    default:
      return status >= 500
        ? new GraphFailure(status, 'generalException', 'An unspecified error has occurred.', { headers })
        : new GraphFailure(status, 'BadRequest', 'Bad request.', { headers });
  }
}
