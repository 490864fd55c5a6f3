import { isRestError } from '@azure/core-rest-pipeline';
import { SecretClient } from '@azure/keyvault-secrets';
import { UpstreamFailureError, UpstreamUnavailableError, VendingError } from '../vending/errors';
import { SecretStore, StoredSecretVersionInfo } from '../vending/ports';
import { withoutTrailingSlashes } from '../vending/units';
import { parseRetryAfter, retryAfterSeconds } from './retryPolicy';

/** Turns a Key Vault failure into a domain error; the SDK has already retried 429/503 with Retry-After by then. */
function toDomainError(error: unknown): VendingError {
  if (error instanceof VendingError) return error;
  if (isRestError(error)) {
    const status = error.statusCode;
    if (status === 429 || status === 503) {
      return new UpstreamUnavailableError(
        'Key Vault is busy or unavailable; retry later.',
        status,
        retryAfterSeconds(parseRetryAfter(error.response?.headers.get('retry-after'))),
        'keyVault',
      );
    }
    if (status === undefined)
      return new UpstreamUnavailableError(
        'Key Vault could not be reached; retry later.',
        503,
        retryAfterSeconds(undefined),
        'keyVault',
      );
    return new UpstreamFailureError('Key Vault refused the request.', 'keyVault', error.code);
  }
  return new UpstreamFailureError('Key Vault call failed.', 'keyVault', undefined);
}

/** Runs a Key Vault SDK call, turning its failure into a domain error. */
export async function mapped<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toDomainError(error);
  }
}

/** The {@link SecretStore} over the official `SecretClient`. */
export function createKeyVaultSecretStore(client: SecretClient): SecretStore {
  return {
    vaultUrl: withoutTrailingSlashes(client.vaultUrl),

    put: (name, value, options) =>
      mapped(async () => {
        const secret = await client.setSecret(name, value, {
          contentType: options.contentType,
          notBefore: options.notBefore,
          expiresOn: options.expiresOn,
          tags: options.tags,
        });
        const { version, id } = secret.properties;
        if (!version || !id) throw new UpstreamFailureError('Key Vault returned no version.', 'keyVault', undefined);
        return { name, version, id };
      }),

    listVersions: (name) =>
      mapped(async () => {
        const versions: StoredSecretVersionInfo[] = [];
        try {
          for await (const properties of client.listPropertiesOfSecretVersions(name)) {
            if (!properties.version || !properties.id) continue;
            versions.push({
              name,
              version: properties.version,
              id: properties.id,
              enabled: properties.enabled ?? true,
              tags: properties.tags ?? {},
              createdOn: properties.createdOn,
            });
          }
        } catch (error) {
          if (isRestError(error) && error.statusCode === 404) return [];
          throw error;
        }
        return versions;
      }),

    disableVersion: (name, version) =>
      mapped(async () => {
        await client.updateSecretProperties(name, version, { enabled: false });
      }),

    async *secretPages() {
      // The vault serves at most 25 secrets a page; the SDK follows nextLink. Items are latest versions, no values.
      const pages = client.listPropertiesOfSecrets().byPage();
      for (;;) {
        const page = await mapped(() => pages.next());
        if (page.done === true) return;
        yield page.value.map((properties) => ({
          name: properties.name,
          enabled: properties.enabled ?? true,
          tags: properties.tags ?? {},
          createdOn: properties.createdOn,
        }));
      }
    },
  };
}
