import { isRestError } from '@azure/core-rest-pipeline';
import { SecretClient } from '@azure/keyvault-secrets';
import { UpstreamFailureError } from '../vending/errors';
import { SecretStore } from '../vending/ports';
import { withoutTrailingSlashes } from '../vending/units';
import { listVersionInfo, mapped, summaryPages } from './keyVaultCalls';

/** Key Vault's refusal to read a disabled version: 403 with inner code `SecretDisabled`. */
function isDisabledRefusal(error: unknown): boolean {
  if (!isRestError(error) || error.statusCode !== 403) return false;
  const details = error.details as { error?: { innerError?: { code?: string } } } | undefined;
  return details?.error?.innerError?.code === 'SecretDisabled' || /SecretDisabled/.test(error.message);
}

/** The {@link SecretStore} over the official `SecretClient`. */
export function createKeyVaultSecretStore(client: SecretClient): SecretStore {
  return {
    vaultUrl: withoutTrailingSlashes(client.vaultUrl),

    put: (name, value, options, budget) =>
      mapped(budget, async (abortSignal) => {
        const secret = await client.setSecret(name, value, {
          contentType: options.contentType,
          notBefore: options.notBefore,
          expiresOn: options.expiresOn,
          tags: options.tags,
          abortSignal,
        });
        const { version, id } = secret.properties;
        if (!version || !id) throw new UpstreamFailureError('Key Vault returned no version.', 'keyVault', undefined);
        return { name, version, id };
      }),

    listVersions: (name, budget) =>
      mapped(budget, (abortSignal) =>
        listVersionInfo(name, client.listPropertiesOfSecretVersions(name, { abortSignal })),
      ),

    disableVersion: (name, version, budget) =>
      mapped(budget, async (abortSignal) => {
        await client.updateSecretProperties(name, version, { enabled: false, abortSignal });
      }),

    currentVersion: (name, budget) =>
      mapped(budget, async (abortSignal) => {
        try {
          // The only way to learn what the versionless URI serves; the value is dropped here and now.
          const { properties } = await client.getSecret(name, { abortSignal });
          if (!properties.version)
            throw new UpstreamFailureError('Key Vault returned no version.', 'keyVault', undefined);
          return { enabled: true as const, version: properties.version };
        } catch (error) {
          if (isDisabledRefusal(error)) return { enabled: false as const };
          if (isRestError(error) && error.statusCode === 404) return undefined;
          throw error;
        }
      }),

    restoreVersion: (name, from, tags, budget) =>
      mapped(budget, async (abortSignal) => {
        const source = await client.getSecret(name, { version: from, abortSignal });
        const { properties } = source;
        const copy = await client.setSecret(name, source.value ?? '', {
          ...(properties.contentType ? { contentType: properties.contentType } : {}),
          ...(properties.notBefore ? { notBefore: properties.notBefore } : {}),
          ...(properties.expiresOn ? { expiresOn: properties.expiresOn } : {}),
          tags,
          abortSignal,
        });
        const { version, id } = copy.properties;
        if (!version || !id) throw new UpstreamFailureError('Key Vault returned no version.', 'keyVault', undefined);
        return { name, version, id };
      }),

    // Items are latest versions, no values.
    secretPages: () => summaryPages(client.listPropertiesOfSecrets().byPage()),
  };
}
