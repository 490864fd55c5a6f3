import { CallBudget } from './deadline';
import { VendingDependencies } from './dependencies';
import { checkOwners, mayManage, ownersFromTags, requireManageable, tagsWithOwners } from './ownership';
import { journalGraphFailure, journalStep } from './operationJournal';
import { Caller, RequestContext, TaggedApplication } from './ports';

/** An app as the list and owner routes show it: its ids, name and owners. */
export interface ManagedApplication {
  id: string;
  appId: string;
  displayName: string;
  owners: string[];
}

/** One page of the apps a caller may manage, and where the next starts. */
export interface ManagedApplicationPage {
  value: ManagedApplication[];
  /** Pass it back to get the next page; absent on the last. */
  skipToken?: string;
}

function managed(application: TaggedApplication): ManagedApplication {
  const { id, appId, displayName, tags } = application;
  return { id, appId, displayName, owners: ownersFromTags(tags) };
}

/**
 * One page of the apps the caller may manage, from one page (`top`) of the apps this identity owns: every one for
 * Admin, those the caller or one of its groups owns for anyone else. One Graph call per page; a page may hold fewer
 * apps than `top` (even none) while `skipToken` says there are more.
 */
export async function listManagedApplications(
  deps: Pick<VendingDependencies, 'directory'>,
  caller: Caller,
  page: { top: number; skipToken?: string },
  budget?: CallBudget,
): Promise<ManagedApplicationPage> {
  const owned = await deps.directory.listOwnedApplications(page, budget);
  const value = owned.applications.map(managed).filter((app) => mayManage(caller, app.owners));
  return owned.skipToken === undefined ? { value } : { value, skipToken: owned.skipToken };
}

/** The owners of an app this identity owns and the caller may manage (2 Graph reads: the app and its Entra owners). */
export async function getApplicationOwners(
  deps: Pick<VendingDependencies, 'directory'>,
  appId: string,
  caller: Caller,
  budget?: CallBudget,
): Promise<ManagedApplication> {
  const application = await deps.directory.getOwnedApplication(appId, budget);
  requireManageable(caller, application);
  return managed(application);
}

/**
 * Replaces the owners of an app this identity owns and the caller may manage: one to MAX_OWNERS object ids, so an app
 * never loses its last owner. Tags other than owner tags are kept. 2 Graph reads and one `PATCH`, written ahead to the
 * ledger like every change to Entra: a ledger that cannot take the intent stops it (503) before the `PATCH`.
 */
export async function setApplicationOwners(
  deps: Pick<VendingDependencies, 'directory' | 'ledger' | 'warn'>,
  appId: string,
  owners: readonly string[],
  context: RequestContext,
): Promise<ManagedApplication> {
  const wanted = checkOwners(owners);
  const forward = context.deadline.forward;
  const application = await deps.directory.getOwnedApplication(appId, forward);
  requireManageable(context.caller, application);
  const target = { appId: application.appId };
  const journal = await deps.ledger.beginOperation({
    operation: 'setApplicationOwners',
    context: context.trace,
    ...target,
    owners: wanted,
  });
  const tags = tagsWithOwners(application.tags, wanted);
  try {
    await deps.directory.setApplicationTags(application.appId, tags, forward);
  } catch (error) {
    await journalGraphFailure(deps, journal, error, target);
    throw error;
  }
  await journalStep(deps, journal, (j) => j.completed({ ...target, owners: wanted }), target);
  return managed({ ...application, tags });
}
