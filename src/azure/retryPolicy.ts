/**
 * Bounded retries with a total time budget. Used by the Graph adapter for throttling (honouring Retry-After) and
 * Entra's replication lag (jittered exponential backoff). The clock, sleep and randomness are injected so tests drive
 * them with jest's fake timers.
 */
export interface RetryOptions {
  /** Attempts in all, first included. Default 6. */
  maxAttempts?: number;
  /** No retry starts if it would end after this many ms from the first attempt. Default 30 000. */
  budgetMs?: number;
  /** First backoff delay when the service gives no Retry-After. Default 250. */
  baseDelayMs?: number;
  /** Cap of one backoff delay. Default 8 000. */
  maxDelayMs?: number;
  /** Waits between attempts; `signal` (when given) ends the wait early, rejecting. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Aborts the retries: no attempt starts after it fired, and a wait in progress ends. */
  signal?: AbortSignal;
  /** No retry starts if it would end after this instant (ms, by `now`): the caller's deadline. */
  endsAt?: number;
}

/** What to do after a failed attempt: give up, or retry after the service's wait or our own backoff. */
export type RetryDecision = { retry: false } | { retry: true; retryAfterMs?: number };

/** Thrown when retries ran out while the service still asked to wait, so the caller can pass Retry-After on. */
export class RetryBudgetExhaustedError extends Error {
  constructor(
    readonly lastError: unknown,
    readonly retryAfterMs: number | undefined,
  ) {
    super('retry budget exhausted');
    this.name = 'RetryBudgetExhaustedError';
  }
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, `decide` says not to retry (its error is rethrown), or the attempts or time
 * budget run out (then {@link RetryBudgetExhaustedError} wraps the last error when that error was retryable).
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  decide: (error: unknown) => RetryDecision,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 6;
  const budgetMs = options.budgetMs ?? 30_000;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 8_000;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const endsAt = options.endsAt ?? Number.POSITIVE_INFINITY;
  const startedAt = now();

  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const decision = decide(error);
      if (!decision.retry || options.signal?.aborted) throw error;
      // Equal jitter: half the exponential step plus a random share of the other half, so callers that failed
      // together do not retry together, yet none retries at once.
      const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attemptNumber - 1)) * (0.5 + random() / 2);
      const delay = decision.retryAfterMs ?? backoff;
      const elapsed = now() - startedAt;
      if (attemptNumber >= maxAttempts || elapsed + delay > budgetMs || now() + delay > endsAt) {
        throw new RetryBudgetExhaustedError(error, decision.retryAfterMs);
      }
      try {
        await sleep(delay, options.signal);
      } catch {
        throw error; // aborted while waiting: the last failure stands (the caller sees its signal aborted)
      }
      if (options.signal?.aborted) throw error;
    }
  }
}

const DELAY_SECONDS = /^\d+(\.\d+)?$/;
// IMF-fixdate, the HTTP-date form senders must use (RFC 9110 §5.6.7).
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Parses a Retry-After header into milliseconds: delay-seconds (Graph sends fractions, e.g. `2.128`) or an HTTP-date.
 * Anything else is `undefined`, so the caller falls back to its own backoff instead of retrying at once.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (DELAY_SECONDS.test(text)) return Math.round(Number(text) * 1000);
  if (!HTTP_DATE.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The default wait we tell callers when the service gave none. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/** A wait in milliseconds (or none) as the whole seconds of a `Retry-After` answer: at least 1, rounded up. */
export function retryAfterSeconds(ms: number | undefined): number {
  return Math.max(1, Math.ceil((ms ?? DEFAULT_RETRY_AFTER_MS) / 1000));
}
