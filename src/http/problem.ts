import { HttpResponseInit } from '@azure/functions';
import { UnauthenticatedError, VendingError } from '../vending/errors';

/** Media type of every error answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Builds a problem+json response. `type` is a stable URN per error code. */
export function problemResponse(
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
    body: JSON.stringify({
      type: `urn:entra-app-vending:problem:${code}`,
      title: TITLES[status] ?? 'Error',
      status,
      detail,
      ...extensions,
    }),
  };
}

/**
 * Any error → problem+json with an honest status. Domain errors speak for themselves; anything else becomes a 500
 * that says only the correlation id, so no upstream message, header or token reaches the caller.
 */
export function errorToResponse(error: unknown, correlationId: string): HttpResponseInit {
  if (error instanceof VendingError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    if (error instanceof UnauthenticatedError) headers['www-authenticate'] = error.challenge;
    return problemResponse(error.status, error.code, error.message, { ...error.extensions, correlationId }, headers);
  }
  return problemResponse(
    500,
    'InternalError',
    'The request failed unexpectedly. Quote the correlation id when reporting it.',
    {
      correlationId,
    },
  );
}

/**
 * What may be logged about an error: its class, code and status — never its message body, request or response,
 * which for SDK errors can hold request bodies (secret values) or tokens. For a refused caller token: which check
 * failed and its kid, iss and aud, never the token.
 */
export function describeErrorForLog(error: unknown): Record<string, string | number | undefined> {
  if (typeof error !== 'object' || error === null) return { name: typeof error };
  if (error instanceof UnauthenticatedError) return { name: error.name, code: error.code, ...error.diagnostics };
  const e = error as {
    name?: unknown;
    code?: unknown;
    statusCode?: unknown;
    status?: unknown;
    upstream?: unknown;
    upstreamCode?: unknown;
  };
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    code: typeof e.code === 'string' ? e.code : undefined,
    status: typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined,
    upstream: typeof e.upstream === 'string' ? e.upstream : undefined,
    upstreamCode: typeof e.upstreamCode === 'string' ? e.upstreamCode : undefined,
  };
}
