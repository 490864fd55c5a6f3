import fc from 'fast-check';
import {
  CREDENTIAL_DISPLAY_NAME_PATTERN,
  DEFAULT_CREDENTIAL_DISPLAY_NAME,
  secretNameFor,
} from '../../../src/vending/secretNaming';
import { isGuid } from '../../../src/vending/units';

/** Key Vault's rule for secret names. */
const KEY_VAULT_SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const APP_ID = '2f0e6a4b-7c1d-4e8f-9a0b-1c2d3e4f5a6b';

const hexChar = fc.constantFrom(...'0123456789abcdefABCDEF'.split(''));
const hex = (n: number) => fc.array(hexChar, { minLength: n, maxLength: n }).map((cs) => cs.join(''));
const guidArb = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'));

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''));
const alnumDash = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'.split(''));
/** Display names built from the documented rule: 1–64 of [A-Za-z0-9-], not starting or ending with a dash. */
const displayNameArb = fc.oneof(
  alnum,
  fc
    .tuple(alnum, fc.array(alnumDash, { maxLength: 62 }), alnum)
    .map(([first, middle, last]) => `${first}${middle.join('')}${last}`),
);

function randomCase(value: string, flips: boolean[]): string {
  return [...value].map((c, i) => (flips[i % Math.max(flips.length, 1)] ? c.toUpperCase() : c.toLowerCase())).join('');
}

describe('secretNameFor', () => {
  it('the generator produces names the published pattern accepts (sanity of the test data)', () => {
    fc.assert(fc.property(displayNameArb, (name) => new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN).test(name)));
  });

  it('always yields a valid, lower-case Key Vault secret name that starts with a letter', () => {
    fc.assert(
      fc.property(guidArb, displayNameArb, (appId, displayName) => {
        const name = secretNameFor(appId, displayName);
        expect(name).toMatch(KEY_VAULT_SECRET_NAME);
        expect(name).toMatch(/^[a-z]/);
        expect(name).toBe(name.toLowerCase());
        // It still names the app and the slot.
        expect(name).toContain(appId.toLowerCase());
        expect(name.endsWith(displayName.toLowerCase())).toBe(true);
      }),
    );
  });

  it('is the same for case variants of the appId and the displayName', () => {
    fc.assert(
      fc.property(
        guidArb,
        displayNameArb,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        (appId, displayName, flipsA, flipsB) => {
          expect(secretNameFor(randomCase(appId, flipsA), randomCase(displayName, flipsB))).toBe(
            secretNameFor(appId, displayName),
          );
        },
      ),
    );
  });

  it('is injective over (appId, lower-cased displayName)', () => {
    fc.assert(
      fc.property(guidArb, displayNameArb, guidArb, displayNameArb, (appA, nameA, appB, nameB) => {
        const same = appA.toLowerCase() === appB.toLowerCase() && nameA.toLowerCase() === nameB.toLowerCase();
        expect(secretNameFor(appA, nameA) === secretNameFor(appB, nameB)).toBe(same);
      }),
    );
  });

  it('is injective where a naive concatenation would collide (dashes at the app/slot boundary)', () => {
    const a = secretNameFor('00000000-0000-0000-0000-000000000000', 'a-b');
    const b = secretNameFor('00000000-0000-0000-0000-00000000000a', 'b');
    expect(a).not.toBe(b);
    const names = new Set(
      ['x', 'x-1', 'x1', '1-x', 'X', DEFAULT_CREDENTIAL_DISPLAY_NAME].map((slot) => secretNameFor(APP_ID, slot)),
    );
    expect(names.size).toBe(5); // 'x' and 'X' are one slot
  });

  it('fits the longest display name and still stays within 127 characters', () => {
    const name = secretNameFor(APP_ID, 'A'.repeat(64));
    expect(name).toMatch(KEY_VAULT_SECRET_NAME);
  });

  it.each([
    ['not a guid', 'default'],
    ['2f0e6a4b7c1d4e8f9a0b1c2d3e4f5a6b', 'default'],
    ['{2f0e6a4b-7c1d-4e8f-9a0b-1c2d3e4f5a6b}', 'default'],
    ['2f0e6a4b-7c1d-4e8f-9a0b-1c2d3e4f5a6g', 'default'],
    [` ${APP_ID}`, 'default'],
    ['', 'default'],
  ])('refuses appId %p with a RangeError', (appId, displayName) => {
    expect(() => secretNameFor(appId, displayName)).toThrow(RangeError);
  });

  it.each(['', '-lead', 'trail-', 'has space', 'under_score', 'dot.ted', 'ümlaut', 'a'.repeat(65), 'slash/x', 'a\n'])(
    'refuses displayName %p with a RangeError',
    (displayName) => {
      expect(() => secretNameFor(APP_ID, displayName)).toThrow(RangeError);
    },
  );

  it('refuses any displayName outside the pattern (property)', () => {
    const pattern = new RegExp(CREDENTIAL_DISPLAY_NAME_PATTERN);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }).filter((s) => !pattern.test(s)),
        (displayName) => {
          expect(() => secretNameFor(APP_ID, displayName)).toThrow(RangeError);
        },
      ),
    );
  });
});

describe('isGuid', () => {
  it('accepts GUIDs in either case and refuses anything else', () => {
    fc.assert(fc.property(guidArb, (guid) => isGuid(guid)));
    expect(isGuid('2f0e6a4b-7c1d-4e8f-9a0b-1c2d3e4f5a6')).toBe(false);
    expect(isGuid(`${APP_ID}0`)).toBe(false);
    expect(isGuid('zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')).toBe(false);
  });
});
