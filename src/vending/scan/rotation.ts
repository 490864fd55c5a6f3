import { VendingDependencies } from '../dependencies';
import { InvalidRequestError } from '../errors';
import { requireManageable } from '../ownership';
import { Caller } from '../ports';
import { rotationOptIn, rotationSlots, tagsWithRotation } from './rotationTags';

/** Which slots of an app the expiry scan rotates: `*` for every slot, else slot names; `[]` for none. */
export interface ApplicationRotation {
  appId: string;
  slots: string[];
}

/** The rotation opt-in of an app this identity owns and the caller may manage (owners, their groups, Admin). */
export async function getRotation(
  deps: Pick<VendingDependencies, 'directory'>,
  appId: string,
  caller: Caller,
): Promise<ApplicationRotation> {
  const application = await deps.directory.getOwnedApplication(appId);
  requireManageable(caller, application);
  return { appId: application.appId, slots: rotationSlots(rotationOptIn(application.tags)) };
}

/**
 * Replaces the rotation opt-in of an app the caller may manage: read the tags, replace this product's
 * `vending:rotate:` ones, write them all back (Graph replaces the whole collection), keeping every other tag.
 */
export async function setRotation(
  deps: Pick<VendingDependencies, 'directory'>,
  appId: string,
  slots: readonly string[],
  caller: Caller,
): Promise<ApplicationRotation> {
  const application = await deps.directory.getOwnedApplication(appId);
  requireManageable(caller, application);
  let tags: string[];
  try {
    tags = tagsWithRotation(application.tags, slots);
  } catch (error) {
    if (error instanceof RangeError) throw new InvalidRequestError(`The slots are invalid: ${error.message}.`);
    throw error;
  }
  await deps.directory.setApplicationTags(application.appId, tags);
  return { appId: application.appId, slots: rotationSlots(rotationOptIn(tags)) };
}
