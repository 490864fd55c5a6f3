/**
 * The domain's errors. Each carries the HTTP status it means and a stable `code`; `http/problem.ts` turns them into
 * application/problem+json at the edge. Messages are written for the caller and never carry upstream text or secrets.
 */
export abstract class VendingError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Extra members for the problem body (RFC 9457 extensions). */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** When set, the answer carries `Retry-After` with this many seconds. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.extensions = extensions;
  }
}

/** One invalid field of a request: a JSON Pointer and what is wrong with it. */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

/** The request is malformed: bad JSON, unknown fields, wrong types, bad dates. */
export class InvalidRequestError extends VendingError {
  readonly status = 400;
  readonly code = 'InvalidRequest';
  constructor(
    message: string,
    readonly errors: readonly FieldProblem[] = [],
  ) {
    super(message, errors.length > 0 ? { errors } : {});
  }
}

/** The requested lifetime breaks our policy (too long, end before start, start in the past…). */
export class LifetimePolicyError extends VendingError {
  readonly status = 422;
  readonly code = 'LifetimePolicyViolation';
  constructor(
    message: string,
    readonly maxLifetimeDays: number,
  ) {
    super(message, { maxLifetimeDays });
  }
}

/** The tenant's own app-management policy is stricter than ours: ask for a shorter lifetime. */
export class TenantPolicyError extends VendingError {
  readonly status = 422;
  readonly code = 'TenantCredentialPolicyViolation';
}

/** The owner list asked for breaks a rule (an app never loses its last owner, at most so many owners). */
export class OwnershipRuleError extends VendingError {
  readonly status = 422;
  readonly code = 'OwnershipRuleViolation';
}

/**
 * A certificate request refused by rule: `CertificateRejected`, a well-formed certificate that is not acceptable
 * (expired, too weak, not covering the window asked for), or `CertificatePolicyViolation`, a certificate this
 * deployment does not issue (e.g. an exportable key where none is allowed).
 */
export class CertificateRefusedError extends VendingError {
  readonly status = 422;
  constructor(
    readonly code: 'CertificateRejected' | 'CertificatePolicyViolation',
    message: string,
  ) {
    super(message);
  }
}

/** The application (or credential) does not exist, or it is not one this API manages. */
export class NotFoundError extends VendingError {
  readonly status = 404;
  readonly code = 'NotFound';
}

/** What a refused token looked like, for the log only: never the token, never sent to the caller. */
export interface TokenDiagnostics {
  /** Which check failed, e.g. `signature`, `audience`, `expired`, `unknown signing key`. */
  reason: string;
  kid?: string;
  iss?: string;
  aud?: string;
}

/**
 * No bearer token, or one that fails validation. The answer says only that a valid token for this API is needed
 * (with the `WWW-Authenticate` challenge telling where to get one); which check failed goes to the log.
 */
export class UnauthenticatedError extends VendingError {
  readonly status = 401;
  readonly code = 'Unauthenticated';
  constructor(
    message: string,
    /** The `WWW-Authenticate` header value. */
    readonly challenge: string,
    readonly diagnostics: TokenDiagnostics,
  ) {
    super(message);
  }
}

/** A valid caller without an app role (or delegated scope) the operation needs. */
export class ForbiddenError extends VendingError {
  readonly status = 403;
  readonly code = 'Forbidden';
}

/**
 * A service this API depends on, as problems name it: `identity` is the function's managed identity (its token
 * endpoint), blamed for its own failures rather than the service the token was for.
 */
export type Upstream = 'graph' | 'keyVault' | 'entra' | 'ledger' | 'identity';

/** Graph, Key Vault, Entra or the ledger kept throttling or being unavailable after our retries. */
export class UpstreamUnavailableError extends VendingError {
  readonly code = 'UpstreamUnavailable';
  constructor(
    message: string,
    readonly status: 429 | 503,
    override readonly retryAfterSeconds: number,
    readonly upstream: Upstream,
  ) {
    super(message, { upstream });
  }
}

/** Graph or Key Vault refused or failed in a way the caller cannot fix (our identity's rights, their outage). */
export class UpstreamFailureError extends VendingError {
  readonly status = 502;
  readonly code = 'UpstreamFailure';
  constructor(
    message: string,
    readonly upstream: Upstream,
    readonly upstreamCode: string | undefined,
    /** True when the service answered with a refusal (4xx): the call certainly changed nothing. */
    readonly refused = false,
  ) {
    super(message, { upstream });
  }
}

/**
 * The request ran out of time: a service it called (`upstream`) did not answer before the request's deadline (set below
 * the Functions host's timeout and Logic Apps' action timeout). Whatever the request had changed was undone, or is on
 * the ledger for the expiry scan; a retry (with the same Idempotency-Key) is safe.
 */
export class DeadlineExceededError extends VendingError {
  readonly status = 503;
  readonly code = 'DeadlineExceeded';
  constructor(
    message: string,
    override readonly retryAfterSeconds: number,
    readonly upstream: Upstream,
  ) {
    super(message, { upstream });
  }
}

/**
 * An operation made its change in Entra but could not finish a later step now (a revocation whose stored secret is
 * still enabled): 503 with Retry-After, since a retry finishes it; the ledger keeps the step for the expiry scan too.
 */
export class OperationUnfinishedError extends VendingError {
  readonly status = 503;
  readonly code = 'OperationUnfinished';
  constructor(
    message: string,
    override readonly retryAfterSeconds: number,
    readonly upstream: Upstream,
  ) {
    super(message, { upstream });
  }
}

/**
 * An Idempotency-Key that cannot be honoured for this request: already used by this caller for a different request
 * (422 `IdempotencyKeyReused`), or its first request is still in progress (409 `IdempotencyKeyInFlight`, with
 * Retry-After).
 */
export class IdempotencyConflictError extends VendingError {
  private constructor(
    message: string,
    readonly status: 409 | 422,
    readonly code: 'IdempotencyKeyInFlight' | 'IdempotencyKeyReused',
    override readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** The key was used for another method, path or body. */
  static reused(): IdempotencyConflictError {
    return new IdempotencyConflictError(
      'This Idempotency-Key was already used for a different request (method, path or body); use a new key.',
      422,
      'IdempotencyKeyReused',
    );
  }

  /** The first request with the key is still running after the wait. */
  static inFlight(retryAfterSeconds: number): IdempotencyConflictError {
    return new IdempotencyConflictError(
      'A request with this Idempotency-Key is still being processed; retry after the indicated time to get its answer.',
      409,
      'IdempotencyKeyInFlight',
      retryAfterSeconds,
    );
  }
}
