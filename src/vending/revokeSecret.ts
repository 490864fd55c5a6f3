import { CallBudget } from './deadline';
import { VendingDependencies } from './dependencies';
import { NotFoundError } from './errors';
import { InterruptedOperation, PasswordCredentialInfo, RequestContext } from './ports';
import { otherKeyIds, revokeCredential, RevocationUnfinished, VaultTarget } from './revokeCredential';
import { disableCredentialVersions, RESTORED_FROM_TAG, settleSlot, SlotOutcome, slotSecretName } from './secretSlots';

/** What a revocation did. */
export interface RevokedSecret {
  appId: string;
  keyId: string;
  /** The vault version that held its secret (now disabled), if the secret had been stored by this API. */
  disabledSecretVersion: string | null;
  /** What the slot's versionless reference serves now: as before, a restored older credential, or nothing. */
  slot: SlotOutcome | null;
}

/** What finishing a secret's revocation in the vault did. */
export interface FinishedSecretRevocation {
  /** The original version that held the secret (now disabled, with any restored copies), if there was one. */
  disabledSecretVersion: string | null;
  /** What the slot's versionless reference serves now: as before, a restored older credential, or nothing. */
  slot: SlotOutcome | null;
}

/**
 * What is left of a revocation once the credential is gone from Entra (or was never there): disable every vault
 * version holding its secret, then make the slot serve its newest live credential again (`secretSlots.ts`).
 * `liveKeyIds` are the app's other credentials. Idempotent: versions already disabled are skipped, a settled slot is
 * left alone. Throws {@link RevocationUnfinished} (naming the pending step) when the vault does not let it finish.
 */
export async function finishRevocation(
  deps: Pick<VendingDependencies, 'secretStore'>,
  revoked: { keyId: string; secretName: string | undefined },
  liveKeyIds: ReadonlySet<string>,
  budget?: CallBudget,
): Promise<FinishedSecretRevocation> {
  const { secretName, keyId } = revoked;
  if (!secretName) return { disabledSecretVersion: null, slot: null };
  let step: 'disableVersion' | 'restoreSlot' = 'disableVersion';
  try {
    const held = await disableCredentialVersions(deps.secretStore, secretName, keyId, budget);
    step = 'restoreSlot';
    const slot = held.length > 0 ? await settleSlot(deps.secretStore, secretName, liveKeyIds, budget) : null;
    const original = held.find((v) => v.tags[RESTORED_FROM_TAG] === undefined) ?? held[0];
    return { disabledSecretVersion: original?.version ?? null, slot };
  } catch (error) {
    throw new RevocationUnfinished(step, error);
  }
}

/**
 * Revokes a credential of an app this identity owns and the caller may manage: `removePassword`, then every vault
 * version holding its secret is disabled and the slot's versionless reference is made to serve the slot's newest live
 * credential again (or nothing when none is left). Written ahead to the ledger, idempotent and finishing as
 * `revokeCredential` says: a retry after a partial failure completes the remaining steps.
 */
export async function revokeSecret(
  deps: VendingDependencies,
  appId: string,
  keyId: string,
  context: RequestContext,
): Promise<RevokedSecret> {
  const application = await deps.directory.getOwnedApplication(appId, context.deadline.forward);
  const revoked = await revokeCredential(deps, context, application, keyId, {
    operation: 'revokeSecret',
    credentials: application.passwordCredentials,
    locate: (password) => secretTarget(slotSecretName(appId, password.displayName)),
    recorded: (issued) => (issued.secretName ? { secretName: issued.secretName } : undefined),
    removeFromApp: (password, budget) => deps.directory.removePassword(appId, password.keyId, budget),
    finishInVault: async ({ keyId: revokedKeyId, vault }, live, budget) => {
      const finished = await finishRevocation(
        deps,
        { keyId: revokedKeyId, secretName: vault.secretName },
        live,
        budget,
      );
      return {
        ...(finished.disabledSecretVersion ? { secretVersion: finished.disabledSecretVersion } : {}),
        slot: finished.slot,
      };
    },
  });
  const { secretVersion, slot } = revoked.inVault;
  return { appId, keyId: revoked.keyId, disabledSecretVersion: secretVersion ?? null, slot };
}

function secretTarget(secretName: string | undefined): VaultTarget {
  return secretName ? { secretName } : {};
}

/**
 * Finishes a secret revocation the ledger holds open (for the expiry scan): an `unfinished` one, or one interrupted
 * before or after `removePassword`. The credential is removed if it is still on the app (the caller asked for it to
 * go), then the vault steps are done. Returns what was done; throws when Graph or the vault does not let it finish.
 */
export async function finishInterruptedRevocation(
  deps: Pick<VendingDependencies, 'directory' | 'secretStore'>,
  operation: Pick<InterruptedOperation, 'operation' | 'appId' | 'keyId' | 'credentialDisplayName' | 'secretName'>,
  budget?: CallBudget,
): Promise<FinishedSecretRevocation & { removed: boolean }> {
  const { appId, keyId } = operation;
  if (operation.operation !== 'revokeSecret' || !appId || !keyId) {
    throw new RangeError('not an interrupted revocation with an appId and keyId');
  }
  let credentials: PasswordCredentialInfo[] = [];
  let removed = false;
  try {
    credentials = (await deps.directory.getOwnedApplication(appId, budget)).passwordCredentials;
  } catch (error) {
    // The app is gone (or no longer ours): so is the credential; the vault steps remain.
    if (!(error instanceof NotFoundError)) throw error;
  }
  const credential = credentials.find((c) => c.keyId.toLowerCase() === keyId.toLowerCase());
  if (credential) {
    await deps.directory.removePassword(appId, credential.keyId, budget).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
    removed = true;
  }
  const secretName =
    operation.secretName ?? slotSecretName(appId, credential?.displayName ?? operation.credentialDisplayName ?? null);
  try {
    const finished = await finishRevocation(deps, { keyId, secretName }, otherKeyIds(credentials, keyId), budget);
    return { ...finished, removed };
  } catch (error) {
    throw error instanceof RevocationUnfinished ? error.toCallerError() : error;
  }
}
