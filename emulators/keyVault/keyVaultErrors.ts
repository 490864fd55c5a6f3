import { EmulatorError } from '../host/emulatorError';
import { ServiceErrors } from '../host/routedService';

/**
 * Key Vault's errors. Messages are the service's own wording wherever it could be checked (SDK recordings, issue
 * reports, docs); the few marked "unverified" are plausible but not seen on the wire.
 */

/** Key Vault's error envelope (`KeyVaultError` in the REST spec). */
export interface KeyVaultErrorBody {
  error: { code: string; message: string; innererror?: { code: string } };
}

/** Link the service appends to not-found messages. */
const NOT_FOUND_HELP = 'For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182';

function keyVaultError(status: number, code: string, message: string, innerCode?: string): EmulatorError {
  return new EmulatorError(status, code, message, innerCode ? { inner: { code: innerCode } } : {});
}

/** 404 for a live object (or one version of it): `nameOrId` is `name` or `name/version`. */
function objectNotFound(kind: 'secret' | 'key' | 'certificate', code: string, nameOrId: string): EmulatorError {
  return keyVaultError(
    404,
    code,
    `A ${kind} with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this ${kind} you may be able to recover it using the correct recovery command. ${NOT_FOUND_HELP}`,
  );
}

export function secretNotFound(nameOrId: string): EmulatorError {
  return objectNotFound('secret', 'SecretNotFound', nameOrId);
}

export function keyNotFound(nameOrId: string): EmulatorError {
  return objectNotFound('key', 'KeyNotFound', nameOrId);
}

export function certificateNotFound(nameOrId: string): EmulatorError {
  return objectNotFound('certificate', 'CertificateNotFound', nameOrId);
}

/** 404 for `/certificates/{name}/pending` when the certificate has no creation operation. Wording unverified. */
export function pendingCertificateNotFound(name: string): EmulatorError {
  return keyVaultError(404, 'PendingCertificateNotFound', `Pending certificate not found: ${name}`);
}

/** 403 for a cryptographic operation on a disabled key (as `SecretDisabled` for secrets). */
export function keyDisabled(operation: string): EmulatorError {
  return keyVaultError(403, 'Forbidden', `Operation ${operation} is not allowed on a disabled key.`, 'KeyDisabled');
}

/** 403 for an operation the key's `key_ops` do not allow. Wording unverified. */
export function keyOperationNotAllowed(operation: string): EmulatorError {
  return keyVaultError(403, 'Forbidden', `Operation ${operation} is not allowed on this key.`, 'KeyOperationForbidden');
}

/** 404 for `/deletedsecrets/{name}` (get, recover, purge) when no soft-deleted secret has that name. */
export function deletedSecretNotFound(name: string): EmulatorError {
  return keyVaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
}

export function secretDisabled(): EmulatorError {
  return keyVaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
}

export function deletedButRecoverable(name: string): EmulatorError {
  return keyVaultError(
    409,
    'Conflict',
    `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
    'ObjectIsDeletedButRecoverable',
  );
}

export function badParameter(message: string): EmulatorError {
  return keyVaultError(400, 'BadParameter', message);
}

/**
 * What the service answers for a request body it rejects. Seen on the wire: `"Property has invalid value\r\n"` for more
 * than 15 tags (one space) and `"Property  has invalid value\r\n"` (two spaces, empty property name) for bodies that do
 * not bind (non-JSON, an unusable value). The same text is used for the other body limits (value size, contentType).
 */
export function tagsInvalid(): EmulatorError {
  return badParameter('Property has invalid value\r\n');
}

export function bodyInvalid(): EmulatorError {
  return badParameter('Property  has invalid value\r\n');
}

export function invalidName(name: string): EmulatorError {
  return badParameter(`The request URI contains an invalid name: ${name}`);
}

export function unknownApiVersion(version: string, latest: string): EmulatorError {
  return badParameter(
    `The specified version (${version}) is not recognized. Consider using the latest supported version (${latest}).`,
  );
}

/** Unverified wording: the SDK always sends api-version, so this is only reachable by hand-built requests. */
export function missingApiVersion(): EmulatorError {
  return badParameter('The api-version query parameter is required for all requests.');
}

export function notImplemented(what: string): EmulatorError {
  return keyVaultError(501, 'NotImplemented', `The Key Vault emulator does not implement ${what}.`);
}

/** 401 with the challenge every 401 carries (see `challengeHeader` in keyVaultAccess.ts). */
export function unauthorized(message: string, challenge: string): EmulatorError {
  return new EmulatorError(401, 'Unauthorized', message, { headers: { 'www-authenticate': challenge } });
}

/** 403 from RBAC, in the multi-line form the service sends. */
export function forbiddenByRbac(details: {
  appid: string;
  oid: string;
  iss: string;
  action: string;
  resource: string;
  vaultName: string;
}): EmulatorError {
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

/** The bodies Key Vault sends for statuses the control plane injects: `[code, message]`. */
const FAULTS: Record<number, readonly [string, string]> = {
  400: ['BadParameter', 'Injected fault: bad request.'],
  401: ['Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'],
  403: ['Forbidden', 'Injected fault: forbidden.'],
  404: ['NotFound', 'Injected fault: not found.'],
  409: ['Conflict', 'Injected fault: conflict.'],
  429: [
    'Throttled',
    'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
  ],
  500: ['InternalServerError', 'An internal server error occurred. Please retry later.'],
  502: ['BadGateway', 'The server received an invalid response from an upstream server.'],
  503: ['ServiceUnavailable', 'The service is currently unavailable. Please retry later.'],
  504: ['GatewayTimeout', 'The request timed out. Please retry later.'],
};

/**
 * Key Vault's envelope `{"error":{"code","message","innererror"?:{"code"}}}`. A path the vault does not know is 404
 * `BadRequest` "The request URI is not valid."; a known one with another method 405. `challenge` is the 401 header an
 * injected 401 carries too.
 */
export function keyVaultErrors(challenge: () => string): ServiceErrors {
  return {
    notFound: () => keyVaultError(404, 'BadRequest', 'The request URI is not valid.'),
    methodNotAllowed: (request) =>
      keyVaultError(405, 'BadRequest', `The requested resource does not support http method '${request.method}'.`),
    fault(status) {
      const [code, message] = FAULTS[status] ?? [
        status >= 500 ? 'InternalServerError' : 'BadRequest',
        `Injected fault (HTTP ${status}).`,
      ];
      return status === 401 ? unauthorized(message, challenge()) : keyVaultError(status, code, message);
    },
    render(error) {
      const innerCode = error.extras.inner?.code;
      const body: KeyVaultErrorBody = {
        error: { code: error.code, message: error.message, ...(innerCode ? { innererror: { code: innerCode } } : {}) },
      };
      return { status: error.status, headers: { ...error.extras.headers }, body };
    },
  };
}
