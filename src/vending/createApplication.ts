import { VendingDependencies } from './dependencies';
import { InvalidRequestError } from './errors';
import {
  IssuedSecret,
  pauseBeforeVaultWrite,
  planPassword,
  SecretRequest,
  storedTarget,
  storeIssuedPassword,
} from './issueSecret';
import { journalGraphFailure, journalStep } from './operationJournal';
import { ownersAtCreation, ownerTag } from './ownership';
import { ApplicationInfo, RequestContext } from './ports';
import { ALL_SLOTS, tagsWithRotation } from './scan/rotationTags';

/** A request for a new app registration. */
export interface CreateApplicationRequest {
  displayName: string;
  description?: string;
  /** Default true: also create the service principal, so the app can sign in at once. */
  createServicePrincipal?: boolean;
  /** Default true: issue a first secret. `false` is the same as `secret: false` (the form connectors can send). */
  createSecret?: boolean;
  /** Default `{}`: a first secret with the default lifetime; `false` for none. */
  secret?: SecretRequest | false;
  /** More owners besides the caller: object ids of users, groups or service principals. */
  owners?: string[];
  /** Default false: let the expiry scan rotate every secret slot of the app (tag `vending:rotate:*`). */
  rotate?: boolean;
}

/** The first secret a create asks for, or undefined for none; a contradiction between the two fields is refused. */
function firstSecretRequest(request: CreateApplicationRequest): SecretRequest | undefined {
  if (request.createSecret === false && request.secret !== undefined && request.secret !== false) {
    throw new InvalidRequestError('createSecret is false but a secret is described: leave out one of them.', [
      { pointer: '/createSecret', detail: 'cannot be false when secret describes a secret' },
    ]);
  }
  if (request.createSecret === true && request.secret === false) {
    throw new InvalidRequestError('createSecret is true but secret is false: leave out one of them.', [
      { pointer: '/createSecret', detail: 'cannot be true when secret is false' },
    ]);
  }
  return request.createSecret === false || request.secret === false ? undefined : (request.secret ?? {});
}

/** The new app, its service principal and its first secret (by reference). */
export interface CreatedApplication {
  application: ApplicationInfo & { owners: string[] };
  servicePrincipal: { id: string } | null;
  secret: IssuedSecret | null;
}

/**
 * Creates an app registration owned by this identity: `POST /applications` with its owner tags (the caller and those
 * it names), its rotation opt-in when asked, and the first password inline, then `POST /servicePrincipals`, then one
 * Key Vault write — 2 Graph calls and 1 vault call, written ahead to the ledger. If anything after the create fails, the app is deleted again (with
 * it, its credential) before the error goes up; if that delete fails, the ledger keeps the operation open, marked for
 * repair.
 */
export async function createApplication(
  deps: VendingDependencies,
  request: CreateApplicationRequest,
  context: RequestContext,
): Promise<CreatedApplication> {
  const secretRequest = firstSecretRequest(request);
  // Policy first: a bad lifetime must not leave an app behind.
  const password = secretRequest ? planPassword(deps, secretRequest) : undefined;
  const owners = ownersAtCreation(context.caller, request.owners);
  const journal = await deps.ledger.beginOperation({
    operation: 'createApplication',
    context: context.trace,
    applicationDisplayName: request.displayName,
    ...(password
      ? {
          credentialDisplayName: password.displayName,
          startDateTime: password.startDateTime.toISOString(),
          endDateTime: password.endDateTime.toISOString(),
        }
      : {}),
  });
  let created: Awaited<ReturnType<VendingDependencies['directory']['createApplication']>>;
  try {
    created = await deps.directory.createApplication({
      displayName: request.displayName,
      ...(request.description !== undefined ? { description: request.description } : {}),
      tags: request.rotate ? tagsWithRotation(owners.map(ownerTag), [ALL_SLOTS]) : owners.map(ownerTag),
      ...(password ? { password } : {}),
    });
  } catch (error) {
    await journalGraphFailure(deps, journal, error, { applicationDisplayName: request.displayName });
    throw error;
  }
  const application = { ...created.application, owners };
  const made = {
    appId: application.appId,
    objectId: application.id,
    ...(created.password ? { keyId: created.password.keyId } : {}),
  };
  // Written side by side with the next steps, as in issueSecret: the intent already names what to look for.
  const progress = journalStep(deps, journal, (j) => j.issued(made), made);
  try {
    const servicePrincipal =
      request.createServicePrincipal === false ? null : await deps.directory.createServicePrincipal(application.appId);
    let secret: IssuedSecret | null = null;
    if (created.password) {
      await pauseBeforeVaultWrite(deps, progress);
      secret = await storeIssuedPassword(deps, application, created.password, context.caller);
    }
    await progress;
    const result = { appId: application.appId, ...(secret ? storedTarget(secret) : {}) };
    await journalStep(deps, journal, (j) => j.completed(result), made);
    return { application, servicePrincipal, secret };
  } catch (error) {
    await progress; // settled either way; the record must not be written after closing
    try {
      await deps.directory.deleteApplication(application.id);
    } catch {
      deps.warn('An application was created but a later step failed and it could not be deleted; delete it by hand.', {
        appId: application.appId,
        objectId: application.id,
      });
      await journalStep(deps, journal, (j) => j.compensationFailed({ ...made, step: 'deleteApplication' }), made);
      throw error;
    }
    await journalStep(deps, journal, (j) => j.compensated(made), made);
    throw error;
  }
}
