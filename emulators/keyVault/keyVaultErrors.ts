import { ServiceResponse } from '../host/serviceHost';

/**
 * Key Vault's error envelope (`KeyVaultError` in the REST spec) and the concrete errors the emulator answers with.
 * Messages are the service's own wording wherever it could be checked (SDK recordings, issue reports, docs);
 * the few marked "unverified" are plausible but not seen on the wire.
 */
export interface KeyVaultErrorBody {
  error: { code: string; message: string; innererror?: { code: string } };
}

/** Link the service appends to not-found messages. */
const NOT_FOUND_HELP = 'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

export function keyVaultError(status: number, code: string, message: string, innerCode?: string): ServiceResponse {
  const body: KeyVaultErrorBody = {
    error: { code, message, ...(innerCode ? { innererror: { code: innerCode } } : {}) },
  };
  return { status, body };
}

/** 404 for a live secret (or one version of it): `nameOrId` is `name` or `name/version`. */
export function secretNotFound(nameOrId: string): ServiceResponse {
  return keyVaultError(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. ${NOT_FOUND_HELP}`,
  );
}

/** 404 for `/deletedsecrets/{name}` (get, recover, purge) when no soft-deleted secret has that name. */
export function deletedSecretNotFound(name: string): ServiceResponse {
  return keyVaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
}

export function secretDisabled(): ServiceResponse {
  return keyVaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
}

export function deletedButRecoverable(name: string): ServiceResponse {
  return keyVaultError(
    409,
    'Conflict',
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    'ObjectIsDeletedButRecoverable',
  );
}

export function badParameter(message: string): ServiceResponse {
  return keyVaultError(400, 'BadParameter', message);
}

/**
 * What the service answers for a request body it rejects. Seen on the wire: `"Property has invalid value\r\n"` for more
 * than 15 tags (one space) and `"Property  has invalid value\r\n"` (two spaces, empty property name) for bodies that do
 * not bind (non-JSON, an unusable value). The same text is used for the other body limits (value size, contentType).
 */
export function tagsInvalid(): ServiceResponse {
  return badParameter('Property has invalid value\r\n');
}

export function bodyInvalid(): ServiceResponse {
  return badParameter('Property  has invalid value\r\n');
}

export function invalidName(name: string): ServiceResponse {
  return badParameter(`The request URI contains an invalid name: ${name}`);
}

export function unknownApiVersion(version: string, latest: string): ServiceResponse {
  return badParameter(
    `The specified version (${version}) is not recognized. Consider using the latest supported version (${latest}).`,
  );
}

/** Unverified wording: the SDK always sends api-version, so this is only reachable by hand-built requests. */
export function missingApiVersion(): ServiceResponse {
  return badParameter('The api-version query parameter is required for all requests.');
}

export function methodNotAllowed(method: string): ServiceResponse {
  return keyVaultError(405, 'BadRequest', `The requested resource does not support http method '${method}'.`);
}

export function notFoundRoute(): ServiceResponse {
  return keyVaultError(404, 'BadRequest', 'The request URI is not valid.');
}

/** 403 from RBAC, in the multi-line form the service sends. */
export function forbiddenByRbac(details: {
  appid: string;
  oid: string;
  iss: string;
  action: string;
  resource: string;
  vaultName: string;
}): ServiceResponse {
  const message =
    'Caller is not authorized to perform action on resource.\r\n' +
    'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
    `Caller: appid=${details.appid};oid=${details.oid};iss=${details.iss}\r\n` +
    `Action: '${details.action}'\r\n` +
    `Resource: '${details.resource}'\r\n` +
    'Assignment: (not found)\r\n' +
    'DenyAssignmentId: null\r\n' +
    'DecisionReason: null \r\n' +
    `Vault: ${details.vaultName};location=eastus\r\n`;
  return keyVaultError(403, 'Forbidden', message, 'ForbiddenByRbac');
}

/** The error body Key Vault sends for a status the control plane injects. */
export function faultBody(status: number): KeyVaultErrorBody {
  switch (status) {
    case 429:
      return {
        error: {
          code: 'Throttled',
          message:
            'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
        },
      };
    case 503:
      return {
        error: { code: 'ServiceUnavailable', message: 'The service is currently unavailable. Please retry later.' },
      };
    case 500:
      return {
        error: { code: 'InternalServerError', message: 'An internal server error occurred. Please retry later.' },
      };
    case 502:
      return {
        error: { code: 'BadGateway', message: 'The server received an invalid response from an upstream server.' },
      };
    case 504:
      return { error: { code: 'GatewayTimeout', message: 'The request timed out. Please retry later.' } };
    case 400:
      return { error: { code: 'BadParameter', message: 'Injected fault: bad request.' } };
    case 401:
      return { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } };
    case 403:
      return { error: { code: 'Forbidden', message: 'Injected fault: forbidden.' } };
    case 404:
      return { error: { code: 'NotFound', message: 'Injected fault: not found.' } };
    case 409:
      return { error: { code: 'Conflict', message: 'Injected fault: conflict.' } };
    default:
      return {
        error: {
          code: status >= 500 ? 'InternalServerError' : 'BadRequest',
          message: `Injected fault (HTTP ${status}).`,
        },
      };
  }
}
