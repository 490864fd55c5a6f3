import { randomUUID } from 'node:crypto';
import { EmulatorError } from '../host/emulatorError';
import { ServiceErrors } from '../host/routedService';

/** An OAuth error with its AADSTS number: `error` is the OAuth code, the message the AADSTS description. */
export function aadError(status: number, error: string, aadsts: number, description: string): EmulatorError {
  return new EmulatorError(status, error, description, { inner: { code: String(aadsts) } });
}

/** AADSTS900144: a required form parameter is missing. */
export function missingParameter(name: string): EmulatorError {
  return aadError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
}

/** AADSTS90002: the path names a tenant this authority does not know. */
export function unknownTenant(tenant: string): EmulatorError {
  return aadError(
    400,
    'invalid_tenant',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );
}

/** Entra's timestamp: `2024-01-01 12:00:00Z`. */
function timestamp(): string {
  return new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Entra's OAuth error body: `{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}`,
 * the description starting `AADSTS<n>:` and ending with the trace and correlation ids. An error without an AADSTS
 * number (an unknown endpoint) has only `error` and `error_description`.
 */
export const ENTRA_ERRORS: ServiceErrors = {
  notFound: (_segment, request) =>
    new EmulatorError(404, 'not_found', `No such endpoint: ${request.method} ${request.rawPath}`),
  methodNotAllowed: (request, allowed) =>
    aadError(
      400,
      'invalid_request',
      900561,
      `The endpoint only accepts ${allowed.join(', ')} requests. Received a ${request.method} request.`,
    ),
  fault: (status) =>
    status === 429
      ? aadError(429, 'temporarily_unavailable', 50196, 'There was an error issuing a token or an authorization code.')
      : aadError(status, 'server_error', 50000, 'There was an error issuing a token or an authorization code.'),
  render(error, request) {
    const headers = { ...error.extras.headers };
    const code = error.extras.inner?.code;
    if (code === undefined) {
      return { status: error.status, headers, body: { error: error.code, error_description: error.message } };
    }
    const traceId = request.requestId;
    const correlationId = request.query.get('client-request-id') ?? randomUUID();
    const at = timestamp();
    return {
      status: error.status,
      headers,
      body: {
        error: error.code,
        error_description: `AADSTS${code}: ${error.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${at}`,
        error_codes: [Number(code)],
        timestamp: at,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      },
    };
  },
};
