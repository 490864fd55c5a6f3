import { decideCredentialWindow, LifetimeRequest } from './lifetimePolicy';
import { keyVaultReferenceFor, KeyVaultReference } from './keyVaultReference';
import { VendingDependencies } from './dependencies';
import { CallBudget } from './deadline';
import { rollBackPassword } from './compensation';
import { certainlyNotApplied, journalGraphFailure, journalStep } from './operationJournal';
import { isAdmin, requireManageable } from './ownership';
import { ApplicationInfo, Caller, IssuedPassword, PasswordRequest, RequestContext } from './ports';
import { DEFAULT_CREDENTIAL_DISPLAY_NAME, secretNameFor } from './secretNaming';

/** Content type of every stored client secret. */
export const CLIENT_SECRET_CONTENT_TYPE = 'text/plain; charset=utf-8';
/** Tag that marks vault secrets written by this product. */
export const MANAGED_BY_TAG = { managedBy: 'entra-app-vending' } as const;

/** A secret request: the slot (credential displayName) and the lifetime wanted. */
export interface SecretRequest extends LifetimeRequest {
  displayName?: string;
}

/** What a caller gets for a new secret: everything but the value. */
export interface IssuedSecret {
  appId: string;
  keyId: string;
  displayName: string;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
  keyVault: KeyVaultReference;
}

/**
 * Turns a secret request into the password to ask Graph for (policy applied; throws on violation). `pointerBase` is
 * where the request sits in the body (`/secret` in a create), for the problems' JSON pointers.
 */
export function planPassword(
  deps: Pick<VendingDependencies, 'lifetimePolicy' | 'clock'>,
  request: SecretRequest,
  pointerBase = '',
): PasswordRequest {
  const window = decideCredentialWindow(request, deps.lifetimePolicy, deps.clock(), pointerBase);
  return { displayName: request.displayName ?? DEFAULT_CREDENTIAL_DISPLAY_NAME, ...window };
}

/**
 * Writes a just-issued password into Key Vault and returns its reference. The value is not kept: after this returns
 * or throws, nothing in our process refers to it. On failure the caller must compensate (remove the credential).
 */
export async function storeIssuedPassword(
  deps: Pick<VendingDependencies, 'secretStore'>,
  application: Pick<ApplicationInfo, 'appId'>,
  password: IssuedPassword,
  caller: Caller,
  budget?: CallBudget,
): Promise<IssuedSecret> {
  const displayName = password.displayName ?? DEFAULT_CREDENTIAL_DISPLAY_NAME;
  const name = secretNameFor(application.appId, displayName);
  const stored = await deps.secretStore.put(
    name,
    password.secretText,
    {
      contentType: CLIENT_SECRET_CONTENT_TYPE,
      notBefore: new Date(password.startDateTime),
      expiresOn: new Date(password.endDateTime),
      tags: { ...MANAGED_BY_TAG, appId: application.appId, keyId: password.keyId, requestedBy: caller.id },
    },
    budget,
  );
  return {
    appId: application.appId,
    keyId: password.keyId,
    displayName,
    hint: password.hint,
    startDateTime: password.startDateTime,
    endDateTime: password.endDateTime,
    keyVault: keyVaultReferenceFor(deps.secretStore.vaultUrl, stored),
  };
}

/** The test-only pause point (never set in Azure): once the progress record is written, so the pause is at a known state. */
export async function pauseBeforeVaultWrite(
  deps: Pick<VendingDependencies, 'testHooks'>,
  progress: Promise<void>,
): Promise<void> {
  const hooks = deps.testHooks;
  if (!hooks?.beforeVaultWrite) return;
  await progress;
  await hooks.beforeVaultWrite();
}

/** The ledger's view of a stored secret: where it went. */
export function storedTarget(secret: IssuedSecret): { keyId: string; secretName: string; secretVersion: string } {
  return { keyId: secret.keyId, secretName: secret.keyVault.secretName, secretVersion: secret.keyVault.version };
}

/**
 * Adds a secret to an app this identity owns and the caller may manage: one Graph read of the app's owner tags
 * (none for Admin, who may manage every app this identity owns), one Graph call (addPassword by appId) and one Key
 * Vault write, written ahead to the ledger (intent → issued → completed), within the request's deadline. If the ledger
 * cannot take the intent, nothing is done (503). If anything fails after Graph may have issued the credential — the
 * vault write failed, or addPassword's answer was lost (5xx, dropped connection, the deadline) — it is rolled back on
 * the compensation budget (`compensation.ts`): the credential removed (found by its slot and window when its keyId
 * never came back), any vault version a lost write stored disabled, the slot pointed back at its newest live
 * credential. So no credential is left without its stored secret and no enabled version without its credential; what
 * the rollback cannot finish stays open in the ledger, marked for repair.
 */
export async function issueSecret(
  deps: VendingDependencies,
  appId: string,
  request: SecretRequest,
  context: RequestContext,
): Promise<IssuedSecret> {
  const plan = planPassword(deps, request);
  const { caller } = context;
  const forward = context.deadline.forward;
  // Who may is decided before anything is written ahead: a refusal changes nothing and leaves no open record.
  if (!isAdmin(caller)) requireManageable(caller, await deps.directory.getApplication(appId, forward));
  const journal = await deps.ledger.beginOperation({
    operation: 'addSecret',
    context: context.trace,
    appId,
    credentialDisplayName: plan.displayName,
    startDateTime: plan.startDateTime.toISOString(),
    endDateTime: plan.endDateTime.toISOString(),
  });
  let password: IssuedPassword;
  try {
    password = await deps.directory.addPassword(appId, plan, forward);
  } catch (error) {
    if (certainlyNotApplied(error)) await journalGraphFailure(deps, journal, error, { appId });
    else
      await rollBackPassword(deps, journal, { appId, plan, addPasswordError: error }, context.deadline.compensation());
    throw error;
  }
  const issued = { appId, keyId: password.keyId };
  // The progress record and the vault write run side by side: the secret value is held no longer than the vault
  // write takes, and a crash meanwhile still leaves the intent (app, slot and window) for the scan to match.
  const progress = journalStep(deps, journal, (j) => j.issued(issued), issued);
  try {
    await pauseBeforeVaultWrite(deps, progress);
    const [, secret] = await Promise.all([
      progress,
      storeIssuedPassword(deps, { appId }, password, context.caller, forward),
    ]);
    await journalStep(deps, journal, (j) => j.completed({ appId, ...storedTarget(secret) }), issued);
    return secret;
  } catch (storeError) {
    await progress; // settled either way (journalStep never throws); the record must not be written after closing
    await rollBackPassword(
      deps,
      journal,
      { appId, keyId: password.keyId, plan, storeError },
      context.deadline.compensation(),
    );
    throw storeError;
  }
}
