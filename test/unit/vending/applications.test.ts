import { randomUUID } from 'node:crypto';
import { getApplicationOwners, listManagedApplications, setApplicationOwners } from '../../../src/vending/applications';
import { NotFoundError, OwnershipRuleError } from '../../../src/vending/errors';
import { APP_ROLES, ownerTag } from '../../../src/vending/ownership';
import { fakeVendingDependencies, OWNER, requestContext, testCaller } from './fakes';

const ADMIN = testCaller({ roles: [APP_ROLES.admin] });
const GROUP = randomUUID();

function setup() {
  const fakes = fakeVendingDependencies();
  const mine = fakes.directory.seedApplication('mine');
  const theirs = fakes.directory.seedApplication('theirs', [], [randomUUID()]);
  const ours = fakes.directory.seedApplication('ours', [], [randomUUID(), GROUP]);
  const unowned = fakes.directory.seedApplication('made-by-hand', [], []);
  return { ...fakes, mine, theirs, ours, unowned };
}

describe('listManagedApplications', () => {
  it('shows a caller the apps it or its groups own, with their owners, from one directory page', async () => {
    const { deps, directory, mine, ours } = setup();
    const caller = testCaller({ id: OWNER.id, kind: 'user', groups: [GROUP], roles: [APP_ROLES.secretCreate] });
    const page = await listManagedApplications(deps, caller, { top: 100 });
    expect(page.value.map((a) => a.appId)).toEqual([mine.appId, ours.appId]);
    expect(page.value[0]).toEqual({ ...mine, owners: [OWNER.id] });
    expect(page.skipToken).toBeUndefined();
    expect(directory.calls.map((c) => c.method)).toEqual(['listOwnedApplications']);
  });

  it('shows Admin every app this identity owns, owner tags or not', async () => {
    const { deps, directory } = setup();
    const page = await listManagedApplications(deps, ADMIN, { top: 100 });
    expect(page.value.map((a) => a.displayName)).toEqual(['mine', 'theirs', 'ours', 'made-by-hand']);
    expect(page.value.map((a) => a.displayName)).toEqual([...directory.apps.values()].map((a) => a.info.displayName));
  });

  it('pages as the directory does: a page may be empty while a skip token says there is more', async () => {
    const { deps } = setup();
    const first = await listManagedApplications(deps, OWNER, { top: 1 });
    expect(first.value.map((a) => a.displayName)).toEqual(['mine']);
    const second = await listManagedApplications(deps, OWNER, { top: 1, skipToken: first.skipToken! });
    expect(second.value).toEqual([]);
    expect(second.skipToken).toBeDefined();
    const rest = await listManagedApplications(deps, OWNER, { top: 2, skipToken: second.skipToken! });
    expect(rest).toEqual({ value: [] });
  });
});

describe('getApplicationOwners / setApplicationOwners', () => {
  it('answers owners to an owner and to Admin, not-found to anyone else', async () => {
    const { deps, mine } = setup();
    expect(await getApplicationOwners(deps, mine.appId, OWNER)).toEqual({ ...mine, owners: [OWNER.id] });
    expect((await getApplicationOwners(deps, mine.appId, ADMIN)).owners).toEqual([OWNER.id]);
    await expect(getApplicationOwners(deps, mine.appId, testCaller())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('replaces the owners, keeps other tags, and the new owner may manage the app while the old one may not', async () => {
    const { deps, directory, mine } = setup();
    directory.apps.get(mine.appId)!.tags.unshift('team:payments');
    const next = testCaller({ roles: [APP_ROLES.secretCreate] });
    const updated = await setApplicationOwners(deps, mine.appId, [next.id], requestContext(OWNER));
    expect(updated.owners).toEqual([next.id]);
    expect(directory.apps.get(mine.appId)!.tags).toEqual(['team:payments', ownerTag(next.id)]);
    expect(directory.calls.map((c) => c.method)).toEqual(['getOwnedApplication', 'setApplicationTags']);
    expect((await getApplicationOwners(deps, mine.appId, next)).owners).toEqual([next.id]);
    await expect(getApplicationOwners(deps, mine.appId, OWNER)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('never removes the last owner and refuses before reading the app', async () => {
    const { deps, directory, mine } = setup();
    await expect(setApplicationOwners(deps, mine.appId, [], requestContext(OWNER))).rejects.toBeInstanceOf(
      OwnershipRuleError,
    );
    expect(directory.calls).toEqual([]);
    expect(directory.apps.get(mine.appId)!.tags).toEqual([ownerTag(OWNER.id)]);
  });

  it('changes nothing on an app the caller may not manage (not found), and lets Admin adopt an unowned app', async () => {
    const { deps, directory, theirs, unowned } = setup();
    await expect(setApplicationOwners(deps, theirs.appId, [OWNER.id], requestContext(OWNER))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(directory.callsTo('setApplicationTags')).toEqual([]);
    const adopted = await setApplicationOwners(deps, unowned.appId, [OWNER.id], requestContext(ADMIN));
    expect(adopted.owners).toEqual([OWNER.id]);
  });
});
