import fc from 'fast-check';
import { parseRetryAfter, RetryBudgetExhaustedError, RetryDecision, withRetries } from '../../../src/azure/retryPolicy';

/** A virtual clock: sleeping advances it; attempts may take time too. */
function virtualTime(random: () => number = () => 0.5) {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    random,
  };
}

class Throttled extends Error {
  constructor(
    readonly n: number,
    readonly retryAfterMs?: number,
  ) {
    super(`throttled #${n}`);
  }
}

const retryThrottled = (error: unknown): RetryDecision =>
  error instanceof Throttled
    ? error.retryAfterMs === undefined
      ? { retry: true }
      : { retry: true, retryAfterMs: error.retryAfterMs }
    : { retry: false };

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('withRetries', () => {
  it('returns the first success without sleeping', async () => {
    const time = virtualTime();
    const attempt = jest.fn((_n: number) => Promise.resolve('ok'));
    await expect(withRetries(attempt, retryThrottled, time)).resolves.toBe('ok');
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(time.sleeps).toEqual([]);
  });

  it('numbers the attempts from 1 and returns the eventual success', async () => {
    const time = virtualTime();
    const seen: number[] = [];
    const result = await withRetries(
      (n) => {
        seen.push(n);
        return n < 3 ? Promise.reject(new Throttled(n)) : Promise.resolve(`done on ${n}`);
      },
      retryThrottled,
      time,
    );
    expect(result).toBe('done on 3');
    expect(seen).toEqual([1, 2, 3]);
    expect(time.sleeps).toHaveLength(2);
  });

  it('waits exactly the retryAfterMs the service asked for, even beyond maxDelayMs', async () => {
    const time = virtualTime();
    let n = 0;
    await withRetries(
      () =>
        ++n === 1
          ? Promise.reject(new Throttled(1, 1234))
          : n === 2
            ? Promise.reject(new Throttled(2, 20_000))
            : Promise.resolve(n),
      retryThrottled,
      { ...time, maxDelayMs: 8_000 },
    );
    expect(time.sleeps).toEqual([1234, 20_000]);
  });

  it('rethrows a non-retryable error as is, after one attempt, without sleeping', async () => {
    const time = virtualTime();
    const fatal = new Error('403 forbidden');
    const attempt = jest.fn(() => Promise.reject(fatal));
    await expect(withRetries(attempt, retryThrottled, time)).rejects.toBe(fatal);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(time.sleeps).toEqual([]);
  });

  it('rethrows a non-retryable error as is even after earlier retryable ones', async () => {
    const time = virtualTime();
    const fatal = new Error('400');
    let n = 0;
    await expect(
      withRetries(() => Promise.reject(++n < 3 ? new Throttled(n) : fatal), retryThrottled, time),
    ).rejects.toBe(fatal);
    expect(n).toBe(3);
  });

  it('stops after maxAttempts with RetryBudgetExhaustedError carrying the last error and its retryAfterMs', async () => {
    const time = virtualTime();
    let n = 0;
    const error = await caught(
      withRetries(() => Promise.reject(new Throttled(++n, 100 * n)), retryThrottled, { ...time, maxAttempts: 4 }),
    );
    expect(n).toBe(4);
    expect(time.sleeps).toEqual([100, 200, 300]);
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    const exhausted = error as RetryBudgetExhaustedError;
    expect(exhausted.lastError).toBeInstanceOf(Throttled);
    expect((exhausted.lastError as Throttled).n).toBe(4);
    expect(exhausted.retryAfterMs).toBe(400);
  });

  it('reports retryAfterMs undefined when the last failure gave none', async () => {
    const time = virtualTime();
    let n = 0;
    const error = (await caught(
      withRetries(() => Promise.reject(new Throttled(++n)), retryThrottled, { ...time, maxAttempts: 2 }),
    )) as RetryBudgetExhaustedError;
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    expect(error.retryAfterMs).toBeUndefined();
    expect((error.lastError as Throttled).n).toBe(2);
  });

  it('with maxAttempts 1 never retries', async () => {
    const time = virtualTime();
    const error = await caught(
      withRetries(() => Promise.reject(new Throttled(1, 5)), retryThrottled, { ...time, maxAttempts: 1 }),
    );
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    expect(time.sleeps).toEqual([]);
  });

  it('defaults to 6 attempts in all', async () => {
    const time = virtualTime();
    let n = 0;
    await caught(withRetries(() => Promise.reject(new Throttled(++n, 1)), retryThrottled, time));
    expect(n).toBe(6);
  });

  it('starts no retry that would end after the time budget (counting time spent in attempts)', async () => {
    const time = virtualTime();
    let n = 0;
    const error = await caught(
      withRetries(
        () => {
          n++;
          time.advance(100); // each attempt takes 100 ms
          return Promise.reject(new Throttled(n, 300));
        },
        retryThrottled,
        { ...time, budgetMs: 1_000, maxAttempts: 100 },
      ),
    );
    // Failures end at 100, 500, 900 ms: waiting 300 ms after the third would end at 1 200 > 1 000.
    expect(n).toBe(3);
    expect(time.sleeps).toEqual([300, 300]);
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    expect((error as RetryBudgetExhaustedError).retryAfterMs).toBe(300);
  });

  it('allows a retry that ends exactly at the budget', async () => {
    const time = virtualTime();
    let n = 0;
    await caught(
      withRetries(() => Promise.reject(new Throttled(++n, 500)), retryThrottled, {
        ...time,
        budgetMs: 1_000,
        maxAttempts: 100,
      }),
    );
    // Waits end at 500 and 1 000; a third wait would end at 1 500.
    expect(time.sleeps).toEqual([500, 500]);
    expect(n).toBe(3);
  });

  it('refuses at once a Retry-After longer than the whole budget', async () => {
    const time = virtualTime();
    const error = await caught(withRetries(() => Promise.reject(new Throttled(1, 60_000)), retryThrottled, time));
    expect(time.sleeps).toEqual([]);
    expect((error as RetryBudgetExhaustedError).retryAfterMs).toBe(60_000);
  });

  it('backs off exponentially without Retry-After: each delay at most base·2^(n−1) and maxDelayMs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 10, maxLength: 10 }),
        async (baseDelayMs, maxDelayMs, randoms) => {
          let i = 0;
          const time = virtualTime(() => randoms[i++ % randoms.length]!);
          await caught(
            withRetries(() => Promise.reject(new Throttled(0)), retryThrottled, {
              ...time,
              baseDelayMs,
              maxDelayMs,
              maxAttempts: 10,
              budgetMs: Number.MAX_SAFE_INTEGER,
            }),
          );
          expect(time.sleeps).toHaveLength(9);
          time.sleeps.forEach((delay, index) => {
            expect(delay).toBeGreaterThan(0);
            expect(delay).toBeLessThanOrEqual(maxDelayMs);
            expect(delay).toBeLessThanOrEqual(baseDelayMs * 2 ** index);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('grows the delay with the attempt number for the same random draw until the cap', async () => {
    const time = virtualTime(() => 0.999);
    await caught(
      withRetries(() => Promise.reject(new Throttled(0)), retryThrottled, {
        ...time,
        baseDelayMs: 100,
        maxDelayMs: 1_000,
        maxAttempts: 8,
        budgetMs: Number.MAX_SAFE_INTEGER,
      }),
    );
    const [d1, d2, d3, d4, d5, d6, d7] = time.sleeps as [number, number, number, number, number, number, number];
    expect(d2).toBeCloseTo(2 * d1, 6);
    expect(d3).toBeCloseTo(2 * d2, 6);
    expect(d4).toBeCloseTo(2 * d3, 6);
    // 100·2^4 = 1 600 is above the cap: from here on the delay stays at the (jittered) cap.
    expect(d5).toBeLessThanOrEqual(1_000);
    expect(d5).toBeCloseTo(d6, 6);
    expect(d6).toBeCloseTo(d7, 6);
    expect(d5).toBeGreaterThan(d4);
  });

  it('jitters: different random draws give different delays for the same attempt', async () => {
    const delaysWith = async (r: number) => {
      const time = virtualTime(() => r);
      await caught(withRetries(() => Promise.reject(new Throttled(0)), retryThrottled, { ...time, maxAttempts: 2 }));
      return time.sleeps[0]!;
    };
    const low = await delaysWith(0);
    const high = await delaysWith(0.99);
    expect(low).not.toBe(high);
    expect(low).toBeGreaterThan(0);
  });

  describe('with the default sleep under jest fake timers', () => {
    beforeEach(() => jest.useFakeTimers({ now: new Date('2026-05-10T00:00:00Z') }));
    afterEach(() => jest.useRealTimers());

    it('really waits the Retry-After before the next attempt', async () => {
      const attempt = jest.fn((n: number) =>
        n === 1 ? Promise.reject(new Throttled(1, 5_000)) : Promise.resolve('ok'),
      );
      const result = withRetries(attempt, retryThrottled);
      await jest.advanceTimersByTimeAsync(4_999);
      expect(attempt).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(attempt).toHaveBeenCalledTimes(2);
      await expect(result).resolves.toBe('ok');
    });

    it('gives up on the default 30 s budget measured with the default clock', async () => {
      const attempt = jest.fn(() => Promise.reject(new Throttled(0, 10_000)));
      const result = caught(withRetries(attempt, retryThrottled));
      await jest.advanceTimersByTimeAsync(60_000);
      const error = await result;
      // Waits end at 10 s, 20 s, 30 s; a fourth would end at 40 s.
      expect(attempt).toHaveBeenCalledTimes(4);
      expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-10T12:00:00Z');

  it.each([
    ['0', 0],
    ['1', 1_000],
    ['120', 120_000],
    ['1.5', 1_500],
    ['0.25', 250],
    ['007', 7_000],
  ])('reads delay-seconds %p as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfter('Sun, 10 May 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 10 May 2026 13:00:00 GMT', now)).toBe(3_600_000);
  });

  it('reads an HTTP-date in the past as no wait', () => {
    expect(parseRetryAfter('Sat, 09 May 2026 12:00:00 GMT', now)).toBe(0);
  });

  it.each([null, undefined, ''])('gives undefined for a missing header (%p)', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it.each(['soon', 'later please', 'Infinity', 'NaN', 'five'])('gives undefined for garbage %p', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it('reads any whole number of seconds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 }), (seconds) => {
        expect(parseRetryAfter(String(seconds), now)).toBe(seconds * 1000);
      }),
    );
  });

  it('defaults `now` to the current time for HTTP-dates', () => {
    jest.useFakeTimers({ now });
    try {
      expect(parseRetryAfter('Sun, 10 May 2026 12:00:10 GMT')).toBe(10_000);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('parseRetryAfter refuses what HTTP does not allow', () => {
  it.each(['-1', 'abc 5', '   ', '0x10', '1e3', 'tomorrow', '2026-11-23T10:00:00Z'])(
    '%p → undefined (fall back to backoff)',
    (value) => {
      expect(parseRetryAfter(value, Date.parse('2026-11-23T10:00:00Z'))).toBeUndefined();
    },
  );
  it('still reads delay-seconds with a fraction and an IMF-fixdate', () => {
    const now = Date.parse('Mon, 23 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('2.128', now)).toBe(2128);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:07 GMT', now)).toBe(7000);
  });
});
