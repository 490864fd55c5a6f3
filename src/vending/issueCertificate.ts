import { randomUUID } from 'node:crypto';
import { parseUploadedCertificate, requireValidityCovers } from './certificateCheck';
import { CallBudget } from './deadline';
import { CertificateDependencies } from './dependencies';
import { lookForLostWrite, mayLandLater } from './compensation';
import { CertificateRefusedError, InvalidRequestError } from './errors';
import { keyVaultReferenceFor, KeyVaultReference } from './keyVaultReference';
import { CredentialWindow, decideCredentialWindow, LifetimeRequest } from './lifetimePolicy';
import { certainlyNotApplied, journalGraphFailure, journalStep } from './operationJournal';
import { requireManageable } from './ownership';
import { Caller, KeyCredentialRequest, OperationJournal, RequestContext, StoredCertificate } from './ports';
import { certificateNameFor, DEFAULT_CREDENTIAL_DISPLAY_NAME } from './secretNaming';
import { DAY_MS } from './units';
import { MANAGED_BY_TAG } from './issueSecret';

/** RSA key sizes a caller may ask Key Vault for; 2048 by default. */
export const CERTIFICATE_KEY_SIZES = [2048, 3072, 4096] as const;

/** A certificate request: Key Vault makes it (default), or the caller brings the public certificate (`certificate`). */
export interface CertificateRequest extends LifetimeRequest {
  displayName?: string;
  /** Key Vault only: make the private key exportable (readable as a secret). Refused unless this deployment allows it. */
  exportable?: boolean;
  keySize?: (typeof CERTIFICATE_KEY_SIZES)[number];
  /** Bring your own: the public X.509 certificate, base64 DER or PEM. */
  certificate?: string;
}

/** Where a vended certificate lives in Key Vault. */
export interface CertificateInVault {
  certificateName: string;
  version: string;
  certificateId: string;
  /** The key's versioned id: sign client assertions with it (`CryptographyClient`); the private key never leaves. */
  keyId: string;
  exportable: boolean;
  /** Only for an exportable certificate: its secret (PEM with the private key), as App Service can load it. */
  secret: KeyVaultReference | null;
}

/** What a caller gets for a new certificate credential. */
export interface IssuedCertificate {
  appId: string;
  keyId: string;
  displayName: string;
  thumbprint: string;
  startDateTime: string;
  endDateTime: string;
  source: 'keyVault' | 'uploaded';
  keyVault: CertificateInVault | null;
}

/** Months of certificate validity that surely reach `end` from `now` (a calendar month is at least 28 days). */
function monthsCovering(now: Date, end: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / (28 * DAY_MS)));
}

function answer(
  appId: string,
  credential: KeyCredentialRequest,
  source: IssuedCertificate['source'],
  keyVault: CertificateInVault | null,
): IssuedCertificate {
  return {
    appId,
    keyId: credential.keyId,
    displayName: credential.displayName,
    thumbprint: credential.thumbprint,
    startDateTime: credential.startDateTime.toISOString(),
    endDateTime: credential.endDateTime.toISOString(),
    source,
    keyVault,
  };
}

/**
 * Who may: the app must be one this identity owns (one read, which also loads its key credentials) and one the caller
 * may manage; otherwise the same NotFoundError. Decided before anything is written ahead.
 */
async function requireManageableApp(
  deps: CertificateDependencies,
  appId: string,
  caller: Caller,
  budget: CallBudget,
): Promise<void> {
  const { application } = await deps.directory.getOwnedKeyCredentials(appId, budget);
  requireManageable(caller, application);
}

/** Writes the intent of adding key credential `keyId` to `appId`: the slot and window, ahead of any change. */
function beginAddCertificate(
  deps: CertificateDependencies,
  context: RequestContext,
  appId: string,
  credential: { keyId: string; displayName: string } & CredentialWindow,
): Promise<OperationJournal> {
  return deps.ledger.beginOperation({
    operation: 'addCertificate',
    context: context.trace,
    appId,
    keyId: credential.keyId,
    credentialDisplayName: credential.displayName,
    startDateTime: credential.startDateTime.toISOString(),
    endDateTime: credential.endDateTime.toISOString(),
  });
}

/** The public certificate a caller brought, checked and added as a key credential; Key Vault is not involved. */
async function addUploadedCertificate(
  deps: CertificateDependencies,
  appId: string,
  request: CertificateRequest & { certificate: string },
  displayName: string,
  context: RequestContext,
): Promise<IssuedCertificate> {
  const now = deps.clock();
  const uploaded = parseUploadedCertificate(request.certificate, now);
  const window = decideCredentialWindow(request, deps.lifetimePolicy, now);
  requireValidityCovers(uploaded, window.startDateTime, window.endDateTime);
  await requireManageableApp(deps, appId, context.caller, context.deadline.forward);
  const credential: KeyCredentialRequest = {
    keyId: randomUUID(),
    displayName,
    thumbprint: uploaded.thumbprint,
    certificate: uploaded.base64,
    ...window,
  };
  const target = { appId, keyId: credential.keyId };
  const journal = await beginAddCertificate(deps, context, appId, credential);
  try {
    await deps.directory.addKeyCredential(appId, credential, context.deadline.forward);
  } catch (error) {
    await journalGraphFailure(deps, journal, error, target);
    throw error;
  }
  await journalStep(deps, journal, (j) => j.completed(target), target);
  return answer(appId, credential, 'uploaded', null);
}

/** What a failed certificate add must undo: its certificate (made or maybe made) and maybe its key credential. */
interface CertificateRollback {
  appId: string;
  keyId: string;
  /** The certificate's name in the vault (its versions carry the keyId as a tag). */
  name: string;
  /** The certificate, when Key Vault's answer came; otherwise it is looked for by its keyId tag. */
  stored?: StoredCertificate;
  /** The create that failed: it is several calls (create, polls, the read), so a certificate may exist all the same. */
  createError?: unknown;
  /** The Graph write that failed: unless Graph surely refused it, the key credential may exist (or land late). */
  addError?: unknown;
}

/**
 * Undoes a certificate add, on the compensation budget (beyond the request's deadline): disables the certificate first,
 * so nothing signs with it — the one Key Vault answered with, or every enabled version tagged with this keyId (looked
 * for until the budget ends when the create was cut off at the deadline and may land later) — then, if Graph may have
 * added the key credential, looks for it the same way and removes it. Records `compensated`, `abandoned` (nothing was
 * made), or `compensationFailed` naming the step and tells the operator; a write that may still land after the budget
 * leaves the intent open for the scan.
 */
async function rollBackCertificate(
  deps: CertificateDependencies,
  journal: OperationJournal,
  rollback: CertificateRollback,
  budget: CallBudget,
): Promise<void> {
  const { appId, keyId, name, stored } = rollback;
  const target = { appId, keyId };
  let step = 'disableCertificate';
  let certificateFound = true;
  let keyCredentialSettled = true;
  try {
    if (stored) {
      await deps.certificateStore.disableVersion(stored.name, stored.version, budget);
    } else {
      certificateFound = await lookForLostWrite(deps, budget, mayLandLater(rollback.createError), async () => {
        const made = (await deps.certificateStore.listVersions(name, budget)).filter((v) => v.tags.keyId === keyId);
        for (const version of made.filter((v) => v.enabled)) {
          await deps.certificateStore.disableVersion(name, version.version, budget);
        }
        return made.length > 0;
      });
    }
    if (rollback.addError !== undefined && !certainlyNotApplied(rollback.addError)) {
      step = 'removeKeyCredential';
      const landsLate = mayLandLater(rollback.addError);
      const removed = await lookForLostWrite(deps, budget, landsLate, async () => {
        const { keyCredentials } = await deps.directory.getOwnedKeyCredentials(appId, budget);
        if (!keyCredentials.some((c) => c.keyId.toLowerCase() === keyId)) return false;
        await deps.directory.removeKeyCredential(appId, keyId, budget);
        return true;
      });
      // Not found after a failure that came back (a 5xx, a dropped connection): the write did not happen.
      keyCredentialSettled = removed || !landsLate;
    }
  } catch {
    deps.warn('A certificate add failed and undoing it did not finish; the expiry scan will.', { ...target, step });
    await journalStep(deps, journal, (j) => j.compensationFailed({ ...target, step }), target);
    return;
  }
  // A write cut off at the deadline and not found within the budget may still land: the open intent is the scan's.
  if (!keyCredentialSettled) return;
  if (certificateFound) {
    await journalStep(deps, journal, (j) => j.compensated(target), target);
  } else if (!mayLandLater(rollback.createError)) {
    await journalStep(deps, journal, (j) => j.abandoned(), target);
  }
}

/**
 * Adds a certificate credential to an app this identity owns and the caller may manage. By default Key Vault creates
 * the certificate (RSA, self-issued, its key non-exportable unless asked and allowed) valid long enough for the window
 * the lifetime policy decides; its public part becomes a key credential (the app's others kept) whose window lies
 * within the certificate's validity. With `certificate`, the caller's own public certificate is checked and added
 * instead.
 *
 * Policy, certificate checks and who may are decided first; then the operation is written ahead to the ledger (the
 * intent names the new keyId, slot and window), so a ledger that cannot take it stops everything (503). Key Vault
 * creates the certificate (progress `issued`, beside the Graph write), Graph adds the key credential, and the record is
 * completed with the certificate version. If either fails, {@link rollBackCertificate} undoes what may have been made —
 * the certificate disabled (looked for by its keyId tag when the create's answer was lost), the key credential looked
 * for and removed when Graph may have acted — and the record says `compensated` (or `abandoned`: nothing was made);
 * `compensationFailed` if the undo fails; open for the scan if a write cut off at the deadline may still land.
 */
export async function issueCertificate(
  deps: CertificateDependencies,
  appId: string,
  request: CertificateRequest,
  context: RequestContext,
): Promise<IssuedCertificate> {
  const displayName = request.displayName ?? DEFAULT_CREDENTIAL_DISPLAY_NAME;
  if (request.certificate !== undefined) {
    if (request.exportable !== undefined || request.keySize !== undefined) {
      throw new InvalidRequestError('exportable and keySize apply only to certificates Key Vault creates.', [
        {
          pointer: request.exportable !== undefined ? '/exportable' : '/keySize',
          detail: 'cannot be combined with certificate',
        },
      ]);
    }
    return addUploadedCertificate(deps, appId, { ...request, certificate: request.certificate }, displayName, context);
  }
  const exportable = request.exportable ?? false;
  if (exportable && !deps.allowExportable) {
    throw new CertificateRefusedError(
      'CertificatePolicyViolation',
      'This deployment does not issue exportable certificates: sign through Key Vault with the non-exportable key instead.',
    );
  }
  const now = deps.clock();
  const window = decideCredentialWindow(request, deps.lifetimePolicy, now);
  await requireManageableApp(deps, appId, context.caller, context.deadline.forward);
  const keyId = randomUUID();
  const target = { appId, keyId };
  const journal = await beginAddCertificate(deps, context, appId, { keyId, displayName, ...window });
  let stored: StoredCertificate;
  try {
    stored = await deps.certificateStore.create(
      certificateNameFor(appId, displayName),
      {
        subject: `CN=${appId}`,
        exportable,
        keySize: request.keySize ?? 2048,
        validityInMonths: monthsCovering(now, window.endDateTime),
        tags: { ...MANAGED_BY_TAG, appId, keyId, requestedBy: context.caller.id },
      },
      context.deadline.forward,
    );
  } catch (error) {
    // Whatever failed — the create, a poll, the read — a certificate may have been made: it is looked for and disabled.
    const rollback = { appId, keyId, name: certificateNameFor(appId, displayName), createError: error };
    await rollBackCertificate(deps, journal, rollback, context.deadline.compensation());
    throw error;
  }
  const credential: KeyCredentialRequest = {
    keyId,
    displayName,
    thumbprint: '',
    certificate: stored.certificate,
    startDateTime: new Date(Math.max(window.startDateTime.getTime(), stored.notBefore.getTime())),
    endDateTime: window.endDateTime,
  };
  const progress = journalStep(deps, journal, (j) => j.issued(target), target);
  try {
    credential.thumbprint = parseUploadedCertificate(stored.certificate, now).thumbprint;
    requireValidityCovers(
      { ...stored, base64: stored.certificate, thumbprint: '' },
      credential.startDateTime,
      credential.endDateTime,
    );
    await Promise.all([progress, deps.directory.addKeyCredential(appId, credential, context.deadline.forward)]);
  } catch (error) {
    await progress; // settled either way (journalStep never throws); the record must not be written after closing
    // The undo runs on the compensation budget: past the deadline that may have cut the Graph write short.
    const rollback = { appId, keyId, name: stored.name, stored, addError: error };
    await rollBackCertificate(deps, journal, rollback, context.deadline.compensation());
    throw error;
  }
  const inVault = { certificateName: stored.name, certificateVersion: stored.version };
  await journalStep(deps, journal, (j) => j.completed({ ...target, ...inVault }), target);
  return answer(appId, credential, 'keyVault', {
    certificateName: stored.name,
    version: stored.version,
    certificateId: stored.id,
    keyId: stored.keyId,
    exportable,
    secret: exportable ? keyVaultReferenceFor(deps.certificateStore.vaultUrl, stored) : null,
  });
}

/** The ledger's view of an added certificate: the key credential and, if Key Vault made it, the certificate version. */
export function certificateTarget(certificate: IssuedCertificate): {
  keyId: string;
  certificateName?: string;
  certificateVersion?: string;
} {
  const { keyVault } = certificate;
  return {
    keyId: certificate.keyId,
    ...(keyVault ? { certificateName: keyVault.certificateName, certificateVersion: keyVault.version } : {}),
  };
}
