/** One entry of an OData error's `details` (Graph). */
export interface ErrorDetail {
  code: string;
  message: string;
  target?: string;
}

/** The parts of an error answer that only some services use; each service's renderer reads what its wire shape has. */
export interface ErrorExtras {
  /** Headers the answer carries, e.g. `WWW-Authenticate` on a 401 or `Retry-After` on an injected fault. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The second-level code and its companions: Graph's `innerError` fields, Key Vault's `innererror.code`,
   * Entra's AADSTS number (`code`).
   */
  readonly inner?: Readonly<Record<string, string>>;
  /** OData `details` (Graph). */
  readonly details?: readonly ErrorDetail[];
}

/**
 * The one error every emulated operation, access check and control route throws. `code` is the service's own error
 * code (Graph's `Request_ResourceNotFound`, Key Vault's `SecretNotFound`, Entra's `invalid_client`); each service renders
 * it in its own wire shape, so handlers never build error bodies.
 */
export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extras: ErrorExtras = {},
  ) {
    super(message);
    this.name = 'EmulatorError';
  }

  /** The same error with more headers (how the host adds `Retry-After` to an injected fault). */
  withHeaders(headers: Readonly<Record<string, string>>): EmulatorError {
    return new EmulatorError(this.status, this.code, this.message, {
      ...this.extras,
      headers: { ...this.extras.headers, ...headers },
    });
  }
}
