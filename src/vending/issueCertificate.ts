import { randomUUID } from 'node:crypto';
import { parseUploadedCertificate, requireValidityCovers } from './certificateCheck';
import { CertificateDependencies } from './dependencies';
import { CertificatePolicyError, InvalidRequestError } from './errors';
import { keyVaultReferenceFor, KeyVaultReference } from './keyVaultReference';
import { decideCredentialWindow, LifetimeRequest } from './lifetimePolicy';
import { Caller, KeyCredentialRequest, StoredCertificate } from './ports';
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

/** The public certificate a caller brought, checked and added as a key credential; Key Vault is not involved. */
async function addUploadedCertificate(
  deps: CertificateDependencies,
  appId: string,
  request: CertificateRequest & { certificate: string },
  displayName: string,
): Promise<IssuedCertificate> {
  const now = deps.clock();
  const uploaded = parseUploadedCertificate(request.certificate, now);
  const window = decideCredentialWindow(request, deps.lifetimePolicy, now);
  requireValidityCovers(uploaded, window.startDateTime, window.endDateTime);
  await deps.directory.getOwnedKeyCredentials(appId);
  const credential: KeyCredentialRequest = {
    keyId: randomUUID(),
    displayName,
    thumbprint: uploaded.thumbprint,
    certificate: uploaded.base64,
    ...window,
  };
  await deps.directory.addKeyCredential(appId, credential);
  return answer(appId, credential, 'uploaded', null);
}

/** Disables a certificate whose key credential could not be added, so nothing signs with it. */
async function compensate(deps: CertificateDependencies, appId: string, stored: StoredCertificate): Promise<void> {
  await deps.certificateStore.disableVersion(stored.name, stored.version).catch(() => {
    deps.warn('A certificate was created but could not be added to its app nor disabled; disable it by hand.', {
      appId,
      certificateId: stored.id,
    });
  });
}

/**
 * Adds a certificate credential to an app this identity owns. By default Key Vault creates the certificate (RSA,
 * self-issued, its key non-exportable unless asked and allowed) valid long enough for the window the lifetime policy
 * decides; its public part becomes a key credential (the app's others kept) whose window lies within the
 * certificate's validity. If Graph refuses, the certificate is disabled before the error goes up. With
 * `certificate`, the caller's own public certificate is checked and added instead.
 */
export async function issueCertificate(
  deps: CertificateDependencies,
  appId: string,
  request: CertificateRequest,
  caller: Caller,
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
    return addUploadedCertificate(deps, appId, { ...request, certificate: request.certificate }, displayName);
  }
  const exportable = request.exportable ?? false;
  if (exportable && !deps.allowExportable) {
    throw new CertificatePolicyError(
      'This deployment does not issue exportable certificates: sign through Key Vault with the non-exportable key instead.',
    );
  }
  const now = deps.clock();
  const window = decideCredentialWindow(request, deps.lifetimePolicy, now);
  await deps.directory.getOwnedKeyCredentials(appId);
  const keyId = randomUUID();
  const name = certificateNameFor(appId, displayName);
  const stored = await deps.certificateStore.create(name, {
    subject: `CN=${appId}`,
    exportable,
    keySize: request.keySize ?? 2048,
    validityInMonths: monthsCovering(now, window.endDateTime),
    tags: { ...MANAGED_BY_TAG, appId, keyId, requestedBy: caller.id },
  });
  const credential: KeyCredentialRequest = {
    keyId,
    displayName,
    thumbprint: '',
    certificate: stored.certificate,
    startDateTime: new Date(Math.max(window.startDateTime.getTime(), stored.notBefore.getTime())),
    endDateTime: window.endDateTime,
  };
  try {
    credential.thumbprint = parseUploadedCertificate(stored.certificate, now).thumbprint;
    requireValidityCovers(
      { ...stored, base64: stored.certificate, thumbprint: '' },
      credential.startDateTime,
      credential.endDateTime,
    );
    await deps.directory.addKeyCredential(appId, credential);
  } catch (error) {
    await compensate(deps, appId, stored);
    throw error;
  }
  return answer(appId, credential, 'keyVault', {
    certificateName: stored.name,
    version: stored.version,
    certificateId: stored.id,
    keyId: stored.keyId,
    exportable,
    secret: exportable ? keyVaultReferenceFor(deps.certificateStore.vaultUrl, stored) : null,
  });
}
