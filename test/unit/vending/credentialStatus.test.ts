import fc from 'fast-check';
import {
  classifyCredential,
  classifyForScan,
  CredentialStatus,
  ScanClass,
} from '../../../src/vending/credentialStatus';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-05-10T12:00:00.000Z');
const T = { maxLifetimeDays: 180, expiringWithinDays: 30 };

function credential(startOffsetMs: number, endOffsetMs: number) {
  return {
    startDateTime: new Date(NOW.getTime() + startOffsetMs).toISOString(),
    endDateTime: new Date(NOW.getTime() + endOffsetMs).toISOString(),
  };
}

describe('classifyCredential', () => {
  it.each<[string, number, number, CredentialStatus]>([
    ['ended yesterday', -100 * DAY, -DAY, 'expired'],
    ['ends exactly now', -10 * DAY, 0, 'expired'],
    ['ended 1 ms ago', -10 * DAY, -1, 'expired'],
    ['ends in 1 ms', -10 * DAY, 1, 'expiring'],
    ['ends in 10 days', -10 * DAY, 10 * DAY, 'expiring'],
    // The boundary is `<` on days left, a begun day counting whole (issue #12: a brand-new 30-day secret is active).
    ['ends in exactly expiringWithinDays', -10 * DAY, 30 * DAY, 'active'],
    ['brand-new secret of exactly expiringWithinDays', 0, 30 * DAY, 'active'],
    ['that secret a minute later (30 days begun)', 0, 30 * DAY - 60_000, 'active'],
    ['29 days and 1 ms left (30 begun)', -10 * DAY, 29 * DAY + 1, 'active'],
    ['exactly 29 days left', -10 * DAY, 29 * DAY, 'expiring'],
    ['ends 1 ms after the expiring window', -10 * DAY, 30 * DAY + 1, 'active'],
    ['ends in 90 days', -10 * DAY, 90 * DAY, 'active'],
    ['lifetime exactly the maximum', -10 * DAY, 170 * DAY, 'active'],
    ['lifetime 1 ms over the maximum', -10 * DAY, 170 * DAY + 1, 'overPolicy'],
    ['Graph two-year default', -DAY, 729 * DAY, 'overPolicy'],
    ['not started yet, within policy', 10 * DAY, 100 * DAY, 'active'],
    ['not started yet, over policy', 10 * DAY, 191 * DAY, 'overPolicy'],
  ])('%s → %s', (_label, startOffset, endOffset, expected) => {
    expect(classifyCredential(credential(startOffset, endOffset), T, NOW)).toBe(expected);
  });

  it('expired wins over overPolicy', () => {
    expect(classifyCredential(credential(-800 * DAY, -DAY), T, NOW)).toBe('expired');
  });

  it('overPolicy wins over expiring', () => {
    expect(classifyCredential(credential(-365 * DAY, 5 * DAY), T, NOW)).toBe('overPolicy');
  });

  it('reads offsets as instants', () => {
    // Ends 2026-05-10T12:00:00Z written in +02:00: exactly now, so expired.
    expect(
      classifyCredential({ startDateTime: '2026-01-01T00:00:00Z', endDateTime: '2026-05-10T14:00:00+02:00' }, T, NOW),
    ).toBe('expired');
  });

  it('follows the precedence expired > overPolicy > expiring > active for any credential (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000 * DAY, max: 1000 * DAY }),
        fc.integer({ min: 1, max: 1000 * DAY }),
        fc.integer({ min: 1, max: 730 }),
        fc.integer({ min: 1, max: 365 }),
        (startOffset, length, maxLifetimeDays, expiringWithinDays) => {
          const endOffset = startOffset + length;
          const status = classifyCredential(
            credential(startOffset, endOffset),
            { maxLifetimeDays, expiringWithinDays },
            NOW,
          );
          const isExpired = endOffset <= 0;
          const isOverPolicy = length > maxLifetimeDays * DAY;
          const isExpiring = Math.ceil(endOffset / DAY) < expiringWithinDays;
          const expected: CredentialStatus = isExpired
            ? 'expired'
            : isOverPolicy
              ? 'overPolicy'
              : isExpiring
                ? 'expiring'
                : 'active';
          expect(status).toBe(expected);
        },
      ),
    );
  });
});

describe('classifyForScan', () => {
  it.each<[string, number, number, boolean, ScanClass]>([
    ['expired, stored', -100 * DAY, -DAY, true, 'expired'],
    ['expired, never stored', -100 * DAY, -DAY, false, 'expired'],
    ['live, never stored', -10 * DAY, 90 * DAY, false, 'orphaned'],
    ['over policy, never stored', -DAY, 729 * DAY, false, 'orphaned'],
    ['over policy, stored', -DAY, 729 * DAY, true, 'overPolicy'],
    ['expiring, stored', -10 * DAY, 10 * DAY, true, 'expiring'],
    ['active, stored', -10 * DAY, 90 * DAY, true, 'healthy'],
  ])('%s → %s', (_label, startOffset, endOffset, stored, expected) => {
    expect(classifyForScan(credential(startOffset, endOffset), stored, T, NOW)).toBe(expected);
  });
});
