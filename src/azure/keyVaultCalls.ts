import { isRestError, PipelinePolicy, retryPolicy } from '@azure/core-rest-pipeline';
import { CallBudget } from '../vending/deadline';
import { DeadlineExceededError, UpstreamFailureError, UpstreamUnavailableError, VendingError } from '../vending/errors';
import { StoredSecretSummary, StoredSecretVersionInfo } from '../vending/ports';
import { parseRetryAfter, retryAfterSeconds } from './retryPolicy';

/**
 * Turns a Key Vault failure into a domain error; the SDK has already retried by then (429/503 with Retry-After, other
 * 5xx with its backoff, and a 429 without Retry-After through {@link throttledWithoutRetryAfter}). Throttled or failing
 * on the vault's side (429, any 5xx but 501/505) is "retry later" with `Retry-After`, as for Graph; another status is a
 * refusal.
 */
function toDomainError(error: unknown): VendingError {
  if (error instanceof VendingError) return error;
  if (isRestError(error)) {
    const status = error.statusCode;
    if (status !== undefined && isTransient(status)) {
      return new UpstreamUnavailableError(
        'Key Vault is busy or unavailable; retry later.',
        status === 429 ? 429 : 503,
        retryAfterSeconds(parseRetryAfter(error.response?.headers.get('retry-after'))),
        'keyVault',
      );
    }
    if (status === undefined)
      return new UpstreamUnavailableError(
        'Key Vault could not be reached; retry later.',
        503,
        retryAfterSeconds(undefined),
        'keyVault',
      );
    return new UpstreamFailureError('Key Vault refused the request.', 'keyVault', error.code);
  }
  return new UpstreamFailureError('Key Vault call failed.', 'keyVault', undefined);
}

/** A status that says "not now" rather than "no": throttled, or failing on the vault's side (not 501/505, which never change). */
function isTransient(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** The headers the SDK's throttling retry honours: a 429 with any of them is the SDK's to retry. */
const RETRY_AFTER_HEADERS = ['retry-after', 'retry-after-ms', 'x-ms-retry-after-ms'];

/**
 * A retry the Key Vault SDKs lack: their throttling retry waits only when a 429 says how long (Retry-After), and their
 * exponential retry takes only 5xx and 408, so a 429 without the header would fail at once. This retries it with
 * equal-jitter exponential backoff (`baseDelayMs`, doubling, three times); the request's abort signal ends a wait.
 * Added to every Key Vault client (`additionalPolicies`, per call, outside the SDK's own retry).
 */
export function throttledWithoutRetryAfter(options: { baseDelayMs?: number } = {}): PipelinePolicy {
  const baseDelayMs = options.baseDelayMs ?? 500;
  return {
    ...retryPolicy(
      [
        {
          name: 'throttledWithoutRetryAfter',
          retry: ({ retryCount, response }) =>
            response?.status === 429 && RETRY_AFTER_HEADERS.every((h) => !response.headers.has(h))
              ? { retryAfterInMs: baseDelayMs * 2 ** retryCount * (0.5 + Math.random() / 2) }
              : { skipStrategy: true },
        },
      ],
      { maxRetries: 3 },
    ),
    name: 'throttledWithoutRetryAfter',
  };
}

/**
 * Runs a Key Vault SDK call with the budget's signal, turning its failure into a domain error; a call cut off by the
 * signal is the request's deadline.
 */
export async function mapped<T>(
  budget: CallBudget | undefined,
  operation: (abortSignal?: AbortSignal) => Promise<T>,
): Promise<T> {
  try {
    return await operation(budget?.signal);
  } catch (error) {
    if (budget?.signal.aborted) {
      throw new DeadlineExceededError(
        "Key Vault did not answer within the request's deadline; nothing was left half-done. Retry later.",
        retryAfterSeconds(undefined),
        'keyVault',
      );
    }
    throw toDomainError(error);
  }
}

/** What every Key Vault listing of versions yields, whatever the object kind. */
interface VersionProperties {
  version?: string | undefined;
  id?: string | undefined;
  enabled?: boolean | undefined;
  tags?: Record<string, string> | undefined;
  createdOn?: Date | undefined;
}

/**
 * The versions of object `name` as a listing yields them: id, enabled, tags, creation (never a value). An object that does not
 * exist lists nothing.
 */
export async function listVersionInfo(
  name: string,
  listing: AsyncIterable<VersionProperties>,
): Promise<StoredSecretVersionInfo[]> {
  const versions: StoredSecretVersionInfo[] = [];
  try {
    for await (const properties of listing) {
      if (!properties.version || !properties.id) continue;
      versions.push({
        name,
        version: properties.version,
        id: properties.id,
        enabled: properties.enabled ?? true,
        tags: properties.tags ?? {},
        createdOn: properties.createdOn,
      });
    }
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) return [];
    throw error;
  }
  return versions;
}

/** What every Key Vault list of objects yields per item (the latest version's attributes, no value). */
interface ObjectProperties {
  name?: string | undefined;
  enabled?: boolean | undefined;
  tags?: Record<string, string> | undefined;
  createdOn?: Date | undefined;
}

/**
 * The vault's list of secrets or certificates, one page at a time as the service serves it (at most 25; the SDK follows
 * nextLink): each item the metadata and tags of an object's latest version.
 */
export async function* summaryPages(pages: AsyncIterator<ObjectProperties[]>): AsyncIterable<StoredSecretSummary[]> {
  for (;;) {
    const page = await mapped(undefined, () => pages.next());
    if (page.done === true) return;
    yield page.value.flatMap((properties) =>
      properties.name === undefined
        ? []
        : [
            {
              name: properties.name,
              enabled: properties.enabled ?? true,
              tags: properties.tags ?? {},
              createdOn: properties.createdOn,
            },
          ],
    );
  }
}
