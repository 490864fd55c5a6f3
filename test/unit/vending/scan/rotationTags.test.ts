import { rotatesSlot, rotationOptIn, rotationSlots, tagsWithRotation } from '../../../../src/vending/scan/rotationTags';

describe('rotation tags', () => {
  const others = ['vending:owner:5b1f0c3e-8a2d-4c6b-9e7f-0a1b2c3d4e5f', 'team:payments', 'HideApp'];

  it('reads every slot (*) or named slots, ignoring other prefixes and malformed slots', () => {
    const all = rotationOptIn([...others, 'vending:rotate:*']);
    expect(rotatesSlot(all, 'default')).toBe(true);
    expect(rotatesSlot(all, null)).toBe(false);
    const some = rotationOptIn([...others, 'vending:rotate:CI', 'vending:rotate:bad slot!', 'vending:rotated:x']);
    expect(some).toEqual({ allSlots: false, slots: new Set(['ci']) });
    expect(rotatesSlot(some, 'ci')).toBe(true);
    expect(rotatesSlot(some, 'Ci')).toBe(true);
    expect(rotatesSlot(some, 'default')).toBe(false);
    expect(rotationOptIn(others)).toEqual({ allSlots: false, slots: new Set() });
  });

  it('replaces the opt-in and keeps every tag it does not own, in order', () => {
    const on = tagsWithRotation(others, ['Default', 'ci', 'default']);
    expect(on).toEqual([...others, 'vending:rotate:ci', 'vending:rotate:default']);
    expect(rotationSlots(rotationOptIn(on))).toEqual(['ci', 'default']);
    expect(tagsWithRotation(on, ['ci', 'default'])).toEqual(on);
    expect(tagsWithRotation(on, [])).toEqual(others);
    expect(tagsWithRotation(on, ['ci', '*'])).toEqual([...others, 'vending:rotate:*']);
    expect(rotationSlots(rotationOptIn(tagsWithRotation(on, ['*'])))).toEqual(['*']);
    expect(() => tagsWithRotation(others, ['bad slot'])).toThrow(RangeError);
  });

  it("keeps each tag within Graph's 256 characters for the longest slot", () => {
    const tag = tagsWithRotation([], ['a'.repeat(64)])[0]!;
    expect(tag.length).toBeLessThanOrEqual(256);
  });
});
