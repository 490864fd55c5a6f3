import { SecretClient } from '@azure/keyvault-secrets';
import { UpstreamFailureError } from '../vending/errors';
import { SecretStore } from '../vending/ports';
import { withoutTrailingSlashes } from '../vending/units';
import { listVersionInfo, mapped } from './keyVaultCalls';

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

    listVersions: (name) => mapped(() => listVersionInfo(name, client.listPropertiesOfSecretVersions(name))),

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
