import fc from 'fast-check';
import { InvalidRequestError, LifetimePolicyError } from '../../../src/vending/errors';
import {
  decideCredentialWindow,
  LifetimePolicy,
  START_HORIZON_DAYS,
  START_SKEW_TOLERANCE_MS,
} from '../../../src/vending/lifetimePolicy';

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60 * 1000;
const NOW = new Date('2026-05-10T08:30:00.000Z');
const POLICY: LifetimePolicy = { maxDays: 180, defaultDays: 90 };

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The same instant written with a UTC offset of `offsetMinutes` (e.g. 330 → +05:30). */
function withOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * MINUTE).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

const policyArb = fc
  .integer({ min: 1, max: 730 })
  .chain((maxDays) => fc.record({ maxDays: fc.constant(maxDays), defaultDays: fc.integer({ min: 1, max: maxDays }) }));
const nowArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2200, 0, 1) }).map((t) => new Date(t));
const offsetArb = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });

describe('decideCredentialWindow: examples', () => {
  it('with no request starts now and ends exactly defaultDays later', () => {
    const window = decideCredentialWindow({}, POLICY, NOW);
    expect(window.startDateTime.getTime()).toBe(NOW.getTime());
    expect(window.endDateTime.getTime()).toBe(NOW.getTime() + 90 * DAY);
  });

  it.each([1, 30, 179, 180])('lifetimeDays %i gives a window of exactly that many days', (days) => {
    const window = decideCredentialWindow({ lifetimeDays: days }, POLICY, NOW);
    expect(window.startDateTime.getTime()).toBe(NOW.getTime());
    expect(window.endDateTime.getTime() - window.startDateTime.getTime()).toBe(days * DAY);
  });

  it('refuses lifetimeDays above the maximum with a 422 that states the maximum', () => {
    const error = catchError(() => decideCredentialWindow({ lifetimeDays: 181 }, POLICY, NOW));
    expect(error).toBeInstanceOf(LifetimePolicyError);
    const policyError = error as LifetimePolicyError;
    expect(policyError.status).toBe(422);
    expect(policyError.maxLifetimeDays).toBe(180);
    expect(policyError.extensions).toEqual({ maxLifetimeDays: 180 });
    expect(policyError.message).toContain('180');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses lifetimeDays %p as a malformed request (400)', (days) => {
    const error = catchError(() => decideCredentialWindow({ lifetimeDays: days }, POLICY, NOW));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).status).toBe(400);
    expect((error as InvalidRequestError).errors.map((e) => e.pointer)).toEqual(['/lifetimeDays']);
  });

  it('accepts an endDateTime within the maximum and uses it as given', () => {
    const end = '2026-06-01T00:00:00Z';
    const window = decideCredentialWindow({ endDateTime: end }, POLICY, NOW);
    expect(window.startDateTime.getTime()).toBe(NOW.getTime());
    expect(window.endDateTime.getTime()).toBe(Date.UTC(2026, 5, 1));
  });

  it.each([
    ['equal to the start', iso(NOW.getTime())],
    ['before the start', iso(NOW.getTime() - 1)],
    ['long before the start', '2020-01-01T00:00:00Z'],
  ])('refuses an end %s (422)', (_label, endDateTime) => {
    const error = catchError(() => decideCredentialWindow({ endDateTime }, POLICY, NOW));
    expect(error).toBeInstanceOf(LifetimePolicyError);
    expect((error as LifetimePolicyError).status).toBe(422);
    expect((error as LifetimePolicyError).maxLifetimeDays).toBe(180);
  });

  it('refuses an end before a requested future start', () => {
    const error = catchError(() =>
      decideCredentialWindow(
        { startDateTime: '2026-07-01T00:00:00Z', endDateTime: '2026-06-30T23:59:59Z' },
        POLICY,
        NOW,
      ),
    );
    expect(error).toBeInstanceOf(LifetimePolicyError);
  });

  it('honours a start in the future and counts lifetimeDays from it', () => {
    const window = decideCredentialWindow({ startDateTime: '2026-07-01T00:00:00Z', lifetimeDays: 10 }, POLICY, NOW);
    expect(window.startDateTime.toISOString()).toBe('2026-07-01T00:00:00.000Z');
    expect(window.endDateTime.toISOString()).toBe('2026-07-11T00:00:00.000Z');
  });

  it('counts the default lifetime from a future start', () => {
    const window = decideCredentialWindow({ startDateTime: '2026-07-01T00:00:00Z' }, POLICY, NOW);
    expect(window.endDateTime.getTime() - window.startDateTime.getTime()).toBe(90 * DAY);
  });

  it('measures the maximum from the requested start, not from now', () => {
    const start = Date.UTC(2026, 8, 1);
    const ok = decideCredentialWindow({ startDateTime: iso(start), endDateTime: iso(start + 180 * DAY) }, POLICY, NOW);
    expect(ok.endDateTime.getTime()).toBe(start + 180 * DAY);
    expect(() =>
      decideCredentialWindow({ startDateTime: iso(start), endDateTime: iso(start + 180 * DAY + 1) }, POLICY, NOW),
    ).toThrow(LifetimePolicyError);
  });

  it('tolerates a start up to 5 minutes in the past (clock skew)', () => {
    expect(START_SKEW_TOLERANCE_MS).toBe(5 * MINUTE);
    for (const ago of [1, MINUTE, 5 * MINUTE - 1, 5 * MINUTE]) {
      const start = NOW.getTime() - ago;
      const window = decideCredentialWindow({ startDateTime: iso(start), lifetimeDays: 1 }, POLICY, NOW);
      expect(window.startDateTime.getTime()).toBe(start);
      expect(window.endDateTime.getTime()).toBe(start + DAY);
    }
  });

  it.each([5 * MINUTE + 1, 6 * MINUTE, 365 * DAY])('refuses a start %i ms in the past (422)', (ago) => {
    const error = catchError(() =>
      decideCredentialWindow({ startDateTime: iso(NOW.getTime() - ago), lifetimeDays: 1 }, POLICY, NOW),
    );
    expect(error).toBeInstanceOf(LifetimePolicyError);
    expect((error as LifetimePolicyError).status).toBe(422);
  });

  it('refuses lifetimeDays together with endDateTime (400), before looking at anything else', () => {
    const error = catchError(() =>
      decideCredentialWindow({ lifetimeDays: 10, endDateTime: '2026-06-01T00:00:00Z' }, POLICY, NOW),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).status).toBe(400);
    // Even when each would also be wrong on its own.
    expect(() => decideCredentialWindow({ lifetimeDays: 9999, endDateTime: 'garbage' }, POLICY, NOW)).toThrow(
      InvalidRequestError,
    );
  });

  it.each([
    ['startDateTime', '2026-06-01T00:00:00'],
    ['startDateTime', '2026-06-01T00:00'],
    ['startDateTime', '2026-06-01'],
    ['startDateTime', 'tomorrow'],
    ['startDateTime', ''],
    ['endDateTime', '2026-06-01T00:00:00'],
    ['endDateTime', '2026-06-01T00:00:00+0530'],
    ['endDateTime', '2026-06-01 00:00:00Z'],
    ['endDateTime', '1780000000000'],
    ['endDateTime', '2026-13-01T00:00:00Z'],
  ])('refuses %s %p without an explicit time zone or not a date-time (400 naming the field)', (field, value) => {
    const error = catchError(() => decideCredentialWindow({ [field]: value }, POLICY, NOW));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).status).toBe(400);
    expect((error as InvalidRequestError).errors.map((e) => e.pointer)).toEqual([`/${field}`]);
  });

  it.each([
    ['2026-06-01T05:30:00+05:30', '2026-06-01T00:00:00Z'],
    ['2026-05-31T16:00:00-08:00', '2026-06-01T00:00:00Z'],
    ['2026-06-01T00:00:00+00:00', '2026-06-01T00:00:00Z'],
    ['2026-06-01T00:00:00-00:00', '2026-06-01T00:00:00Z'],
    ['2026-06-01t00:00:00z', '2026-06-01T00:00:00Z'],
    ['2026-06-01T00:00Z', '2026-06-01T00:00:00Z'],
    ['2026-06-01T00:00:00.250Z', '2026-06-01T00:00:00.25Z'],
  ])('reads %s as the same instant as %s', (offsetForm, utcForm) => {
    const a = decideCredentialWindow({ startDateTime: offsetForm, lifetimeDays: 3 }, POLICY, NOW);
    const b = decideCredentialWindow({ startDateTime: utcForm, lifetimeDays: 3 }, POLICY, NOW);
    expect(a.startDateTime.getTime()).toBe(b.startDateTime.getTime());
    expect(a.endDateTime.getTime()).toBe(b.endDateTime.getTime());
    const c = decideCredentialWindow({ endDateTime: offsetForm }, POLICY, NOW);
    expect(c.endDateTime.getTime()).toBe(Date.parse(utcForm));
  });

  describe('leap days', () => {
    const leapStart = '2028-02-29T00:00:00Z';
    const leapNow = new Date('2028-02-29T00:00:00Z');
    const year: LifetimePolicy = { maxDays: 365, defaultDays: 365 };

    it('365 days from 2028-02-29 ends on 2029-02-28 (there is no 2029-02-29)', () => {
      const window = decideCredentialWindow({ startDateTime: leapStart, lifetimeDays: 365 }, year, leapNow);
      expect(window.endDateTime.toISOString()).toBe('2029-02-28T00:00:00.000Z');
    });

    it('a window spanning a leap day is still counted in 24-hour days', () => {
      const start = '2028-02-01T00:00:00Z';
      const window = decideCredentialWindow({ startDateTime: start, lifetimeDays: 30 }, year, new Date(start));
      // February 2028 has 29 days, so 30 days after 1 Feb is 2 March.
      expect(window.endDateTime.toISOString()).toBe('2028-03-02T00:00:00.000Z');
    });

    it('an end exactly at the maximum is allowed; one millisecond more is refused', () => {
      const okEnd = '2029-02-28T00:00:00.000Z';
      const window = decideCredentialWindow({ startDateTime: leapStart, endDateTime: okEnd }, year, leapNow);
      expect(window.endDateTime.toISOString()).toBe(okEnd);
      const error = catchError(() =>
        decideCredentialWindow({ startDateTime: leapStart, endDateTime: '2029-02-28T00:00:00.001Z' }, year, leapNow),
      );
      expect(error).toBeInstanceOf(LifetimePolicyError);
      expect((error as LifetimePolicyError).maxLifetimeDays).toBe(365);
      // A calendar year later (2029-03-01) is 366 days: refused.
      expect(() =>
        decideCredentialWindow({ startDateTime: leapStart, endDateTime: '2029-03-01T00:00:00Z' }, year, leapNow),
      ).toThrow(LifetimePolicyError);
    });
  });

  it('ignores daylight saving time: 2 days across the US spring-forward change are exactly 48 hours', () => {
    // 2026-03-08 02:00 local, US clocks go from UTC-5 to UTC-4.
    const start = '2026-03-07T12:00:00-05:00';
    const window = decideCredentialWindow({ startDateTime: start, lifetimeDays: 2 }, POLICY, new Date(start));
    expect(window.endDateTime.getTime() - window.startDateTime.getTime()).toBe(48 * 60 * MINUTE);
    // On the wall clock of New York that is 13:00 EDT, not 12:00.
    expect(window.endDateTime.getTime()).toBe(Date.parse('2026-03-09T13:00:00-04:00'));
  });

  it('ignores daylight saving time: 1 day across the EU autumn change is exactly 24 hours', () => {
    // 2026-10-25 03:00 CEST (UTC+2) becomes 02:00 CET (UTC+1).
    const start = '2026-10-24T12:00:00+02:00';
    const window = decideCredentialWindow({ startDateTime: start, lifetimeDays: 1 }, POLICY, new Date(start));
    expect(window.endDateTime.getTime()).toBe(Date.parse('2026-10-25T11:00:00+01:00'));
  });
});

describe('decideCredentialWindow: beyond the maximum, whatever the number', () => {
  // Numbers JSON can carry and ajv's `integer` lets through: far past any date, 2^53, and 1e400 (parsed as Infinity).
  it.each([181, 3650, 3651, 100_000, 2 ** 53, 1e308, JSON.parse('1e400') as number])(
    'lifetimeDays %p is a 422 naming the maximum',
    (days) => {
      const error = catchError(() => decideCredentialWindow({ lifetimeDays: days }, POLICY, NOW));
      expect(error).toBeInstanceOf(LifetimePolicyError);
      expect((error as LifetimePolicyError).status).toBe(422);
      expect((error as LifetimePolicyError).maxLifetimeDays).toBe(180);
      expect((error as LifetimePolicyError).message).toContain('maximum of 180 days');
    },
  );

  it('is a 422 even with a start date of its own', () => {
    const error = catchError(() =>
      decideCredentialWindow({ lifetimeDays: 1e308, startDateTime: iso(NOW.getTime() + DAY) }, POLICY, NOW),
    );
    expect(error).toBeInstanceOf(LifetimePolicyError);
  });

  it('keeps a start in the past the first thing it says', () => {
    const error = catchError(() =>
      decideCredentialWindow({ lifetimeDays: 1e308, startDateTime: iso(NOW.getTime() - DAY) }, POLICY, NOW),
    );
    expect((error as LifetimePolicyError).message).toMatch(/past/);
  });
});

describe('decideCredentialWindow: properties', () => {
  it('no request → start = now, end = now + defaultDays', () => {
    fc.assert(
      fc.property(policyArb, nowArb, (policy, now) => {
        const window = decideCredentialWindow({}, policy, now);
        expect(window.startDateTime.getTime()).toBe(now.getTime());
        expect(window.endDateTime.getTime()).toBe(now.getTime() + policy.defaultDays * DAY);
      }),
    );
  });

  it('lifetimeDays d ≤ max → end − start = d days; d > max → LifetimePolicyError carrying max', () => {
    fc.assert(
      fc.property(policyArb, nowArb, fc.integer({ min: 1, max: 100_000 }), (policy, now, days) => {
        if (days <= policy.maxDays) {
          const window = decideCredentialWindow({ lifetimeDays: days }, policy, now);
          expect(window.endDateTime.getTime() - window.startDateTime.getTime()).toBe(days * DAY);
        } else {
          const error = catchError(() => decideCredentialWindow({ lifetimeDays: days }, policy, now));
          expect(error).toBeInstanceOf(LifetimePolicyError);
          expect((error as LifetimePolicyError).status).toBe(422);
          expect((error as LifetimePolicyError).maxLifetimeDays).toBe(policy.maxDays);
          expect((error as LifetimePolicyError).message).toContain(String(policy.maxDays));
        }
      }),
    );
  });

  it('a start within the horizon is honoured; one past the skew tolerance or beyond the horizon is refused', () => {
    fc.assert(
      fc.property(policyArb, nowArb, fc.integer({ min: -3 * 365 * DAY, max: 3 * 365 * DAY }), (policy, now, shift) => {
        const start = now.getTime() + shift;
        const request = { startDateTime: iso(start), lifetimeDays: 1 };
        if (shift >= -START_SKEW_TOLERANCE_MS && shift <= START_HORIZON_DAYS * DAY) {
          const window = decideCredentialWindow(request, policy, now);
          expect(window.startDateTime.getTime()).toBe(start);
          expect(window.endDateTime.getTime()).toBe(start + DAY);
        } else {
          expect(() => decideCredentialWindow(request, policy, now)).toThrow(LifetimePolicyError);
        }
      }),
    );
  });

  it('whenever it returns, 0 < end − start ≤ max days; otherwise it throws a domain error', () => {
    const requestArb = fc.record(
      {
        lifetimeDays: fc.integer({ min: -5, max: 800 }),
        startDateTime: fc.integer({ min: -DAY, max: 30 * DAY }),
        endDateTime: fc.integer({ min: -DAY, max: 800 * DAY }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(policyArb, nowArb, requestArb, offsetArb, (policy, now, raw, offset) => {
        const request = {
          ...(raw.lifetimeDays !== undefined ? { lifetimeDays: raw.lifetimeDays } : {}),
          ...(raw.startDateTime !== undefined
            ? { startDateTime: withOffset(now.getTime() + raw.startDateTime, offset) }
            : {}),
          ...(raw.endDateTime !== undefined
            ? { endDateTime: withOffset(now.getTime() + raw.endDateTime, offset) }
            : {}),
        };
        let window;
        try {
          window = decideCredentialWindow(request, policy, now);
        } catch (error) {
          expect(error instanceof LifetimePolicyError || error instanceof InvalidRequestError).toBe(true);
          return;
        }
        const length = window.endDateTime.getTime() - window.startDateTime.getTime();
        expect(length).toBeGreaterThan(0);
        expect(length).toBeLessThanOrEqual(policy.maxDays * DAY);
        expect(window.startDateTime.getTime()).toBeGreaterThanOrEqual(now.getTime() - START_SKEW_TOLERANCE_MS);
      }),
    );
  });

  it('the window does not depend on the offset a date-time is written with', () => {
    fc.assert(
      fc.property(
        policyArb,
        nowArb,
        fc.integer({ min: 0, max: 10 * DAY }),
        fc.integer({ min: 1, max: 730 * DAY }),
        offsetArb,
        offsetArb,
        (policy, now, startShift, length, offsetA, offsetB) => {
          const start = now.getTime() + startShift;
          const end = start + length;
          const decide = (offset: number) => {
            try {
              const w = decideCredentialWindow(
                { startDateTime: withOffset(start, offset), endDateTime: withOffset(end, offset) },
                policy,
                now,
              );
              return { start: w.startDateTime.getTime(), end: w.endDateTime.getTime() };
            } catch (error) {
              return { error: (error as Error).constructor.name };
            }
          };
          const inUtc = decide(0);
          expect(decide(offsetA)).toEqual(inUtc);
          expect(decide(offsetB)).toEqual(inUtc);
          if (length <= policy.maxDays * DAY) expect(inUtc).toEqual({ start, end });
          else expect(inUtc).toEqual({ error: 'LifetimePolicyError' });
        },
      ),
    );
  });
});

describe('decideCredentialWindow: dates that are not on the calendar', () => {
  const policy: LifetimePolicy = { maxDays: 180, defaultDays: 90 };
  const now = new Date('2026-01-01T00:00:00Z');
  it.each([
    '2026-02-30T00:00:00Z',
    '2026-02-31T12:00:00+01:00',
    '2026-01-01T24:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T10:60:00Z',
    '2027-02-29T00:00:00Z',
  ])('refuses %s instead of rolling it over', (endDateTime) => {
    expect(() => decideCredentialWindow({ endDateTime }, policy, now)).toThrow(InvalidRequestError);
  });
  it('accepts a real leap day', () => {
    expect(decideCredentialWindow({ endDateTime: '2026-02-28T23:59:59Z' }, policy, now).endDateTime.toISOString()).toBe(
      '2026-02-28T23:59:59.000Z',
    );
    expect(() =>
      decideCredentialWindow({ startDateTime: '2028-02-29T00:00:00Z', lifetimeDays: 1 }, policy, now),
    ).not.toThrow(InvalidRequestError);
  });
});

describe('decideCredentialWindow: the horizon and where problems point (issue #12)', () => {
  it('refuses a start in year 9999 (its end would pass what Graph accepts) with the 422 that names the maximum', () => {
    const error = catchError(() =>
      decideCredentialWindow({ startDateTime: '9999-12-01T00:00:00Z', lifetimeDays: 90 }, POLICY, NOW),
    );
    expect(error).toBeInstanceOf(LifetimePolicyError);
    expect((error as LifetimePolicyError).message).toMatch(/365 days ahead/);
  });

  it('accepts a start exactly at the horizon and refuses one a millisecond beyond it', () => {
    const edge = NOW.getTime() + START_HORIZON_DAYS * DAY;
    const window = decideCredentialWindow(
      { startDateTime: new Date(edge).toISOString(), lifetimeDays: 1 },
      POLICY,
      NOW,
    );
    expect(window.startDateTime.getTime()).toBe(edge);
    expect(() =>
      decideCredentialWindow({ startDateTime: new Date(edge + 1).toISOString(), lifetimeDays: 1 }, POLICY, NOW),
    ).toThrow(LifetimePolicyError);
  });

  it('an end after year 9999 is never reached: the end is at most the maximum lifetime after a start within a year', () => {
    const error = catchError(() => decideCredentialWindow({ endDateTime: '9999-12-31T23:59:59Z' }, POLICY, NOW));
    expect(error).toBeInstanceOf(LifetimePolicyError);
  });

  it.each([
    [{ startDateTime: 'tomorrow' }, '/secret/startDateTime'],
    [{ endDateTime: '2026-02-30T00:00:00Z' }, '/secret/endDateTime'],
    [{ lifetimeDays: 2, endDateTime: '2026-06-01T00:00:00Z' }, '/secret/lifetimeDays'],
    [{ lifetimeDays: 1.5 }, '/secret/lifetimeDays'],
  ])("points at %j under the base it is given (a create's nested secret: %s)", (request, pointer) => {
    const error = catchError(() => decideCredentialWindow(request, POLICY, NOW, '/secret'));
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).errors.map((e) => e.pointer)).toEqual([pointer]);
  });
});
