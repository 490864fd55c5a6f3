import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';

type AbortSignalLike = NonNullable<GetTokenOptions['abortSignal']>;
import { UpstreamFailureError, UpstreamUnavailableError, VendingError } from '../vending/errors';
import { retryAfterSeconds } from './retryPolicy';

/**
 * Statuses of the identity endpoint that mean its configuration is wrong (the client id names no identity assigned
 * to the app, the platform's header is missing or wrong): retrying will not help, an operator must fix it.
 */
const CONFIGURATION_STATUSES = new Set([400, 401, 403]);

/** The HTTP status the identity endpoint answered, as @azure/identity passes it on (MSAL's error as `cause`). */
function endpointStatus(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; cause?: { status?: unknown } } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  const status = e?.cause?.status;
  return typeof status === 'number' ? status : typeof status === 'string' ? Number(status) || undefined : undefined;
}

/**
 * Turns a failed token request of the managed identity into the domain's error, blaming the identity rather than the
 * service the token was for: its configuration refused (400/401/403 from the identity endpoint) is a 502 for an
 * operator to fix — no "retry later"; anything else (throttled, unavailable, unreachable) a 503 with Retry-After.
 */
export function identityFailure(error: unknown): VendingError {
  if (error instanceof VendingError) return error;
  const status = endpointStatus(error);
  if (status !== undefined && CONFIGURATION_STATUSES.has(status)) {
    return new UpstreamFailureError(
      `The function's managed identity was refused a token (HTTP ${status} from the identity endpoint): its configuration is wrong (AZURE_CLIENT_ID, or the identity is not assigned to the app). Retrying will not help; an operator must fix it.`,
      'identity',
      'ManagedIdentityConfiguration',
    );
  }
  return new UpstreamUnavailableError(
    "The function's managed identity could not get a token right now; retry later.",
    503,
    retryAfterSeconds(undefined),
    'identity',
  );
}

function abortError(): Error {
  const error = new Error('The token request was aborted.');
  error.name = 'AbortError';
  return error;
}

/**
 * Starts `work` unless the signal has already aborted (then it is never started: a request begun with an aborted
 * signal would reject later with no one listening, an unhandled rejection that ends the process), and rejects as soon
 * as the signal aborts; otherwise settles as `work` does. A request left behind by an abort is still listened to, so
 * its own failure goes nowhere.
 */
function untilAborted<T>(work: () => Promise<T>, signal: AbortSignalLike | undefined): Promise<T> {
  if (!signal) return work();
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    work().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The credential every client uses, as the domain needs it: a token request honours the caller's abort signal (the
 * identity endpoint's client does not, so a slow endpoint would otherwise outlive the request's deadline; the request
 * left behind is a read and harmless), and a failure is classified by {@link identityFailure}. An aborted request
 * rejects as an `AbortError`, for the caller to read as its deadline; one already aborted never reaches the endpoint,
 * and is answered with the last token of its scope while that is still valid (the caller's own call stops anyway).
 */
export function classifiedCredential(credential: TokenCredential): TokenCredential {
  /** The last token got for each scope. */
  const lastTokens = new Map<string, AccessToken>();
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const signal = options?.abortSignal;
      const scope = [scopes].flat().join(' ');
      const last = lastTokens.get(scope);
      // The Key Vault and Storage clients refresh a token near its end in the background, with the signal of the
      // request that found it so: once that request is cut off, every retry of the refresh (each 3 s) is aborted too,
      // until the token expires and the refresh rejects with no one listening. A token still valid ends that loop.
      if (signal?.aborted && last && last.expiresOnTimestamp > Date.now()) return last;
      try {
        const token = await untilAborted(() => credential.getToken(scopes, options), signal);
        if (token) lastTokens.set(scope, token);
        return token;
      } catch (error) {
        if (signal?.aborted) throw error;
        throw identityFailure(error);
      }
    },
  };
}
