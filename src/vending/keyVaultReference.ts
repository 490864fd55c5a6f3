import { StoredSecretVersion } from './ports';
import { withoutTrailingSlashes } from './units';

/** How a caller finds a stored secret: URIs and App Service / Functions reference strings. */
export interface KeyVaultReference {
  secretName: string;
  version: string;
  /** Versioned URI: pinned to this secret. */
  secretUri: string;
  /** Versionless URI: follows rotation (App Service re-reads it within 24 hours). */
  secretUriWithoutVersion: string;
  /** `@Microsoft.KeyVault(SecretUri=<versionless>)`, the form that follows rotation. */
  reference: string;
  /** `@Microsoft.KeyVault(SecretUri=<versioned>)`, pinned. */
  versionedReference: string;
}

/** Builds the reference for a stored version of a secret in the vault at `vaultUrl`. */
export function keyVaultReferenceFor(
  vaultUrl: string,
  stored: Pick<StoredSecretVersion, 'name' | 'version'>,
): KeyVaultReference {
  const base = withoutTrailingSlashes(vaultUrl);
  const secretUriWithoutVersion = `${base}/secrets/${stored.name}`;
  const secretUri = `${secretUriWithoutVersion}/${stored.version}`;
  return {
    secretName: stored.name,
    version: stored.version,
    secretUri,
    secretUriWithoutVersion,
    reference: `@Microsoft.KeyVault(SecretUri=${secretUriWithoutVersion})`,
    versionedReference: `@Microsoft.KeyVault(SecretUri=${secretUri})`,
  };
}
