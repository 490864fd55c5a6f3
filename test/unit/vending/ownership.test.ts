import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { NotFoundError, OwnershipRuleError } from '../../../src/vending/errors';
import {
  APP_ROLES,
  checkOwners,
  MAX_OWNERS,
  mayManage,
  ownersAtCreation,
  ownersFromTags,
  ownerTag,
  requireManageable,
  tagsWithOwners,
} from '../../../src/vending/ownership';
import { testCaller } from './fakes';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const GROUP = '33333333-3333-4333-8333-333333333333';

describe('owner tags', () => {
  it('writes one lower-case tag per owner and reads them back, ignoring other tags and malformed owner tags', () => {
    expect(ownerTag(A.toUpperCase())).toBe(`vending:owner:${A}`);
    const tags = [
      'team:payments',
      ownerTag(B),
      'VENDING:OWNER:' + A.toUpperCase(),
      'vending:owner:not-a-guid',
      ownerTag(B),
    ];
    expect(ownersFromTags(tags)).toEqual([B, A]);
    expect(ownersFromTags([])).toEqual([]);
  });

  it('replaces owner tags and keeps every other tag in place', () => {
    const tags = ['team:payments', ownerTag(A), 'cost-centre:42'];
    expect(tagsWithOwners(tags, [B, GROUP])).toEqual(['team:payments', 'cost-centre:42', ownerTag(B), ownerTag(GROUP)]);
  });

  it('round-trips any owner list through tags', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { maxLength: MAX_OWNERS }), fc.array(fc.string()), (owners, others) => {
        const plain = others.filter((t) => !t.toLowerCase().startsWith('vending:owner:'));
        const tags = tagsWithOwners(plain, owners);
        expect(ownersFromTags(tags)).toEqual(owners.map((o) => o.toLowerCase()));
        expect(tags.slice(0, plain.length)).toEqual(plain);
      }),
    );
  });
});

describe('who may manage an app', () => {
  it('lets an owner in, directly or through a group of its token, and Admin always', () => {
    expect(mayManage(testCaller({ id: A }), [A])).toBe(true);
    expect(mayManage(testCaller({ id: A.toUpperCase() }), [A])).toBe(true);
    expect(mayManage(testCaller({ id: B, kind: 'user', groups: [GROUP] }), [A, GROUP])).toBe(true);
    expect(mayManage(testCaller({ id: B, roles: [APP_ROLES.admin] }), [A])).toBe(true);
    expect(mayManage(testCaller({ id: B, roles: [APP_ROLES.admin] }), [])).toBe(true);
  });

  it('keeps everyone else out, whatever other roles they hold', () => {
    const roles = [APP_ROLES.appCreate, APP_ROLES.secretCreate];
    expect(mayManage(testCaller({ id: B, roles }), [A])).toBe(false);
    expect(mayManage(testCaller({ id: B, roles, groups: [randomUUID()] }), [A, GROUP])).toBe(false);
    // An app with no owner tags (made outside this API) is Admin's alone.
    expect(mayManage(testCaller({ id: A, roles }), [])).toBe(false);
  });

  it('refuses as not found, exactly as for an app that does not exist', () => {
    const app = { appId: randomUUID(), tags: [ownerTag(A)] };
    expect(() => requireManageable(testCaller({ id: B }), app)).toThrow(NotFoundError);
    expect(() => requireManageable(testCaller({ id: A }), app)).not.toThrow();
  });
});

describe('owner lists', () => {
  it('puts the creator first, then those it names, each once', () => {
    expect(ownersAtCreation(testCaller({ id: A }), [B, A.toUpperCase(), GROUP, B])).toEqual([A, B, GROUP]);
    expect(ownersAtCreation(testCaller({ id: A }))).toEqual([A]);
  });

  it('never leaves an app without an owner, nor with too many or malformed ones', () => {
    expect(() => checkOwners([])).toThrow(OwnershipRuleError);
    expect(() => checkOwners(['someone'])).toThrow(/not an object id/);
    const many = Array.from({ length: MAX_OWNERS + 1 }, () => randomUUID());
    expect(() => checkOwners(many)).toThrow(`at most ${MAX_OWNERS}`);
    expect(checkOwners(many.slice(0, MAX_OWNERS))).toHaveLength(MAX_OWNERS);
    expect(() => ownersAtCreation(testCaller({ id: A }), many.slice(0, MAX_OWNERS))).toThrow(OwnershipRuleError);
  });
});
