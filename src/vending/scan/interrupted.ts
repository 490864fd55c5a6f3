import { NotFoundError } from '../errors';
import {
  certificateNameOf,
  disableCertificateVersion,
  finishCertificateRevocation,
  findCertificateVersion,
} from '../listCertificates';
import {
  CertificateStore,
  Directory,
  InterruptedOperation,
  KeyCredentialDirectory,
  KeyCredentialInfo,
  PasswordCredentialInfo,
  SecretStore,
  StoredSecretVersionInfo,
} from '../ports';
import { ownersFromTags } from '../ownership';
import { RevocationUnfinished } from '../revokeCredential';
import { finishInterruptedRevocation } from '../revokeSecret';
import { slotNameOf } from './assessApplication';

/**
 * An open operation record younger than this may belong to a request still running (the longest request, and the
 * scan's own rotations, end well within it): the scan leaves its credential alone. Older ones were interrupted.
 */
export const IN_FLIGHT_MS = 15 * 60_000;

/** How the scan settled an interrupted operation, as the ledger's resolution records it. */
export type RepairOutcome = 'completed' | 'rolledBack' | 'notFound' | 'notApplied';

/** What a repair did: its outcome, a sentence for the record, the credential it concerned. */
export interface Repair {
  outcome: RepairOutcome;
  detail: string;
  keyId?: string;
}

function sameInstant(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && Date.parse(a) === Date.parse(b);
}

function sameKey(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/**
 * True if `credential` of `appId` is what the open operation is making: it names the keyId, or (before Graph answered)
 * the slot and the exact window it asked for.
 */
export function madeBy(operation: InterruptedOperation, appId: string, credential: PasswordCredentialInfo): boolean {
  if (!sameKey(operation.appId, appId)) return false;
  if (operation.keyId) return sameKey(operation.keyId, credential.keyId);
  return (
    operation.credentialDisplayName === credential.displayName &&
    sameInstant(operation.startDateTime, credential.startDateTime) &&
    sameInstant(operation.endDateTime, credential.endDateTime)
  );
}

/** Which ports a repair uses: the scan's own directory and vault, for secrets and for certificates. */
export interface RepairPorts {
  directory: Directory;
  secretStore: SecretStore;
  certificates: { directory: KeyCredentialDirectory; store: CertificateStore };
}

async function removeIfPresent(directory: Directory, appId: string, keyId: string): Promise<boolean> {
  try {
    await directory.removePassword(appId, keyId);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

async function storedVersion(
  secretStore: SecretStore,
  appId: string,
  displayName: string | undefined,
  keyId: string,
): Promise<StoredSecretVersionInfo | undefined> {
  const name = slotNameOf(appId, displayName ?? null);
  if (!name) return undefined;
  return (await secretStore.listVersions(name)).find((v) => sameKey(v.tags.keyId, keyId));
}

/** A secret issued but maybe not stored: kept if the vault holds it, else its credential is removed (its value is lost). */
async function settleIssued(ports: RepairPorts, appId: string, displayName: string | undefined, keyId: string) {
  if (await storedVersion(ports.secretStore, appId, displayName, keyId)) {
    return {
      outcome: 'completed',
      detail: 'The vault holds the secret; only the completion was missing.',
      keyId,
    } as const;
  }
  return (await removeIfPresent(ports.directory, appId, keyId))
    ? ({
        outcome: 'rolledBack',
        detail: 'The secret never reached the vault: its credential was removed.',
        keyId,
      } as const)
    : ({ outcome: 'notFound', detail: 'The credential no longer exists.', keyId } as const);
}

async function repairAddSecret(ports: RepairPorts, op: InterruptedOperation & { appId: string }): Promise<Repair> {
  if (op.keyId) {
    if (op.state === 'compensationFailed') {
      return (await removeIfPresent(ports.directory, op.appId, op.keyId))
        ? { outcome: 'rolledBack', detail: 'The failed removal of the unstored credential was done.', keyId: op.keyId }
        : { outcome: 'notFound', detail: 'The credential no longer exists.', keyId: op.keyId };
    }
    return settleIssued(ports, op.appId, op.credentialDisplayName, op.keyId);
  }
  // Started: Graph may have made the credential before the process died; find it by slot and window.
  const credentials = (await ports.directory.findApplicationCredentials(op.appId)) ?? [];
  const made = credentials.filter((c) => madeBy(op, op.appId, c));
  if (made.length === 0) return { outcome: 'notFound', detail: 'Graph made no credential for it.' };
  const settled = [];
  for (const credential of made)
    settled.push(await settleIssued(ports, op.appId, op.credentialDisplayName, credential.keyId));
  return settled.find((s) => s.outcome === 'rolledBack') ?? settled[0]!;
}

async function repairCreateApplication(ports: RepairPorts, op: InterruptedOperation): Promise<Repair> {
  const rollBack = async (why: string): Promise<Repair> => {
    try {
      await ports.directory.deleteApplication(op.objectId!);
      return { outcome: 'rolledBack', detail: why };
    } catch (error) {
      if (error instanceof NotFoundError) return { outcome: 'notFound', detail: 'The application no longer exists.' };
      throw error;
    }
  };
  if (!op.appId || !op.objectId) {
    return {
      outcome: 'notFound',
      detail: 'No application was recorded; one it may have made is judged like any other owned app.',
    };
  }
  if (op.state === 'compensationFailed') return rollBack('The failed delete of the half-made application was done.');
  if (!op.keyId) {
    const exists = (await ports.directory.findApplicationCredentials(op.appId)) !== undefined;
    return exists
      ? { outcome: 'completed', detail: 'The application exists; it was made without a secret.' }
      : { outcome: 'notFound', detail: 'The application no longer exists.' };
  }
  if (await storedVersion(ports.secretStore, op.appId, op.credentialDisplayName, op.keyId)) {
    return { outcome: 'completed', detail: 'The vault holds the first secret; only the completion was missing.' };
  }
  // As createApplication's own compensation: an app whose first secret is lost is deleted again.
  return rollBack('The first secret never reached the vault: the application was deleted, as a failed create is.');
}

/**
 * A secret being revoked (interrupted, or `unfinished` at a vault step): finished as a retry of the DELETE would —
 * the credential removed if still there, its vault versions disabled, the slot pointed back at its newest live
 * credential (`finishInterruptedRevocation`).
 */
async function repairRevokeSecret(ports: RepairPorts, op: InterruptedOperation & { appId: string }): Promise<Repair> {
  const keyId = op.keyId!;
  const finished = await finishInterruptedRevocation(ports, op);
  const slot = finished.slot === 'restored' ? "; the slot's reference serves its newest live credential again" : '';
  return { outcome: 'completed', detail: `The credential is removed and its vault version disabled${slot}.`, keyId };
}

/** The app's key credentials, or undefined when the app is gone (or no longer this identity's). */
async function keyCredentialsOf(
  directory: KeyCredentialDirectory,
  appId: string,
): Promise<KeyCredentialInfo[] | undefined> {
  try {
    return (await directory.getOwnedKeyCredentials(appId)).keyCredentials;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * A certificate being added (its keyId named by the intent): kept if Graph holds the key credential and its certificate
 * (if Key Vault made one) is enabled; otherwise undone — the key credential removed, the certificate disabled — so
 * nothing signs in with half of it. A failed compensation is finished the same way.
 */
async function repairAddCertificate(ports: RepairPorts, op: InterruptedOperation & { appId: string }): Promise<Repair> {
  const keyId = op.keyId;
  if (!keyId) return { outcome: 'notFound', detail: 'No key credential was recorded.' };
  const { directory, store } = ports.certificates;
  const credential = { keyId, displayName: op.credentialDisplayName ?? null };
  const added = (await keyCredentialsOf(directory, op.appId))?.some((k) => sameKey(k.keyId, keyId)) ?? false;
  const version = await findCertificateVersion(store, op.appId, credential);
  if (added && (version?.enabled ?? true) && op.state !== 'compensationFailed') {
    return { outcome: 'completed', detail: 'Graph holds the key credential; only the completion was missing.', keyId };
  }
  if (added) await directory.removeKeyCredential(op.appId, keyId);
  await disableCertificateVersion(store, certificateNameOf(op.appId, credential.displayName), keyId);
  return added || version
    ? { outcome: 'rolledBack', detail: 'The key credential is removed and its certificate disabled.', keyId }
    : { outcome: 'notFound', detail: 'Neither Key Vault nor Graph made anything for it.', keyId };
}

/**
 * A certificate being revoked (interrupted, or `unfinished` at the vault step): its key credential removed (if still
 * there) and its certificate disabled — by the name the record kept, else the slot's.
 */
async function repairRevokeCertificate(
  ports: RepairPorts,
  op: InterruptedOperation & { appId: string },
): Promise<Repair> {
  const keyId = op.keyId!;
  const { directory, store } = ports.certificates;
  const keyCredential = (await keyCredentialsOf(directory, op.appId))?.find((k) => sameKey(k.keyId, keyId));
  if (keyCredential) await directory.removeKeyCredential(op.appId, keyId);
  const name =
    op.certificateName ?? certificateNameOf(op.appId, keyCredential?.displayName ?? op.credentialDisplayName ?? null);
  try {
    await finishCertificateRevocation(store, name, keyId);
  } catch (error) {
    throw error instanceof RevocationUnfinished ? error.toCallerError() : error;
  }
  return { outcome: 'completed', detail: 'The key credential is removed and its certificate disabled.', keyId };
}

async function repairSetOwners(ports: RepairPorts, op: InterruptedOperation & { appId: string }): Promise<Repair> {
  const application = await ports.directory.getApplication(op.appId);
  const now = ownersFromTags(application.tags);
  const wanted = (op.owners ?? []).map((o) => o.toLowerCase());
  return now.length === wanted.length && wanted.every((o) => now.includes(o))
    ? { outcome: 'completed', detail: 'The app carries the owners asked for.' }
    : { outcome: 'notApplied', detail: 'The owner change did not reach the app; its owners are as they were.' };
}

/**
 * Finishes or rolls back one interrupted operation from what Graph and the vault hold now: a secret the vault holds is
 * kept (the operation completed), one it does not is removed (its value is lost), a revocation is finished, a
 * half-made app whose first secret is lost is deleted as a failed create is, a certificate whose key credential and
 * certificate are both in place is kept and any other half of one undone. Idempotent: a rerun finds the same state.
 */
export async function repairInterrupted(ports: RepairPorts, op: InterruptedOperation): Promise<Repair> {
  if (op.operation === 'createApplication') return repairCreateApplication(ports, op);
  if (!op.appId) return { outcome: 'notFound', detail: 'No application was recorded.' };
  const withApp = { ...op, appId: op.appId };
  switch (op.operation) {
    case 'addSecret':
      return repairAddSecret(ports, withApp);
    case 'revokeSecret':
      return repairRevokeSecret(ports, withApp);
    case 'addCertificate':
      return repairAddCertificate(ports, withApp);
    case 'revokeCertificate':
      return repairRevokeCertificate(ports, withApp);
    case 'setApplicationOwners':
      return repairSetOwners(ports, withApp);
  }
}
