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
import { lookForLostWrite, mayLandLater } from './compensation';
import { CallBudget } from './deadline';
import { requireDisplayableName, requireDisplayableText } from './names';
import { certainlyNotApplied, journalGraphFailure, journalStep } from './operationJournal';
import { ownersAtCreation, ownerTag } from './ownership';
import { ApplicationInfo, OperationJournal, PasswordRequest, RequestContext } from './ports';
import { ALL_SLOTS, tagsWithRotation } from './scan/rotationTags';
import { disableCredentialVersions, slotSecretName } from './secretSlots';

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

/** Prefix of the tag that names the request which created an app: how a create whose answer was lost is found. */
export const REQUEST_TAG_PREFIX = 'vending:request:';

/** The tag naming the request (its correlation id) that creates an app. */
export function requestTag(correlationId: string): string {
  return `${REQUEST_TAG_PREFIX}${correlationId.toLowerCase()}`;
}

/**
 * Creates an app registration owned by this identity: `POST /applications` with its tags (the owners — the caller and
 * those it names —, the request's own tag and the rotation opt-in when asked) and the first password inline, then `POST /servicePrincipals` (retried
 * through Entra's replication lag until the deadline), then one Key Vault write — 2 Graph calls and 1 vault call,
 * written ahead to the ledger, within the request's deadline. If anything after the create fails, or the create's
 * answer was lost (then the app is found by the request's tag), the app is deleted again on the compensation budget
 * (retried through replication lag past the deadline), with it its credential, and any vault version a lost write
 * stored is disabled. If that does not finish, the ledger keeps the operation open, marked for repair.
 */
export async function createApplication(
  deps: VendingDependencies,
  request: CreateApplicationRequest,
  context: RequestContext,
): Promise<CreatedApplication> {
  requireDisplayableName(request.displayName, '/displayName');
  if (request.description !== undefined) requireDisplayableText(request.description, '/description');
  const secretRequest = firstSecretRequest(request);
  // Policy first: a bad lifetime must not leave an app behind.
  const password = secretRequest ? planPassword(deps, secretRequest, '/secret') : undefined;
  const owners = ownersAtCreation(context.caller, request.owners);
  const forward = context.deadline.forward;
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
  const tag = requestTag(context.trace.correlationId);
  let created: Awaited<ReturnType<VendingDependencies['directory']['createApplication']>>;
  try {
    created = await deps.directory.createApplication(
      {
        displayName: request.displayName,
        ...(request.description !== undefined ? { description: request.description } : {}),
        tags: request.rotate
          ? tagsWithRotation([...owners.map(ownerTag), tag], [ALL_SLOTS])
          : [...owners.map(ownerTag), tag],
        ...(password ? { password } : {}),
      },
      forward,
    );
  } catch (error) {
    if (certainlyNotApplied(error)) {
      await journalGraphFailure(deps, journal, error, { applicationDisplayName: request.displayName });
    } else {
      await rollBackLostCreate(deps, journal, tag, error, context.deadline.compensation());
    }
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
  let storeError: unknown;
  try {
    const servicePrincipal =
      request.createServicePrincipal === false
        ? null
        : await deps.directory.createServicePrincipal(application.appId, forward);
    let secret: IssuedSecret | null = null;
    if (created.password) {
      await pauseBeforeVaultWrite(deps, progress);
      try {
        secret = await storeIssuedPassword(deps, application, created.password, context.caller, forward);
      } catch (error) {
        storeError = error;
        throw error;
      }
    }
    await progress;
    const result = { appId: application.appId, ...(secret ? storedTarget(secret) : {}) };
    await journalStep(deps, journal, (j) => j.completed(result), made);
    return { application, servicePrincipal, secret };
  } catch (error) {
    await progress; // settled either way; the record must not be written after closing
    await rollBackCreatedApplication(deps, journal, made, password, storeError, context.deadline.compensation());
    throw error;
  }
}

/** The app a create made: what a rollback deletes, and the credential whose vault version it may have to disable. */
type MadeApplication = { appId: string; objectId: string; keyId?: string } & Record<string, string>;

/**
 * Deletes a just-created app on the compensation budget (its credential goes with it; the adapter retries through
 * replication lag). If its secret's vault write was attempted and failed, a version it may have stored anyway is
 * disabled: no enabled version outlives its credential.
 */
async function rollBackCreatedApplication(
  deps: VendingDependencies,
  journal: OperationJournal,
  made: MadeApplication,
  password: PasswordRequest | undefined,
  storeError: unknown,
  budget: CallBudget,
): Promise<void> {
  let step = 'deleteApplication';
  try {
    await deps.directory.deleteApplication(made.objectId, budget);
    const name = password && made.keyId ? slotSecretName(made.appId, password.displayName) : undefined;
    if (name && made.keyId && storeError !== undefined) {
      step = 'disableVersion';
      const keyId = made.keyId;
      await lookForLostWrite(deps, budget, mayLandLater(storeError), async () => {
        return (await disableCredentialVersions(deps.secretStore, name, keyId, budget)).length > 0;
      });
    }
  } catch {
    deps.warn(
      'An application was created but a later step failed and undoing it did not finish; the expiry scan will.',
      {
        appId: made.appId,
        objectId: made.objectId,
        step,
      },
    );
    await journalStep(deps, journal, (j) => j.compensationFailed({ ...made, step }), made);
    return;
  }
  await journalStep(deps, journal, (j) => j.compensated(made), made);
}

/**
 * After a create whose answer was lost (5xx, dropped connection, the deadline): finds the app by the request's tag
 * (looking again until the budget ends when the create may still land) and deletes it. Nothing found: closed when the
 * create surely did not happen; left open for the scan (which looks for the same tag) when it may land later.
 */
async function rollBackLostCreate(
  deps: VendingDependencies,
  journal: OperationJournal,
  tag: string,
  error: unknown,
  budget: CallBudget,
): Promise<void> {
  let found: MadeApplication | undefined;
  try {
    await lookForLostWrite(deps, budget, mayLandLater(error), async () => {
      const [app] = await deps.directory.findOwnedApplicationsTagged(tag, budget);
      if (app) found = { appId: app.appId, objectId: app.id };
      return app !== undefined;
    });
  } catch {
    deps.warn('A create whose answer was lost could not be looked for; the expiry scan will.', { tag });
    return;
  }
  if (found) await rollBackCreatedApplication(deps, journal, found, undefined, undefined, budget);
  else if (!mayLandLater(error)) await journalStep(deps, journal, (j) => j.abandoned(), { tag });
}
