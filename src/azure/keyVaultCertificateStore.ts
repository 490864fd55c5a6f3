import { CertificateClient } from '@azure/keyvault-certificates';
import { UpstreamFailureError } from '../vending/errors';
import { CertificateStore } from '../vending/ports';
import { withoutTrailingSlashes } from '../vending/units';
import { listVersionInfo, mapped, summaryPages } from './keyVaultCalls';

/** Options of the certificate store; production passes none. */
export interface CertificateStoreOptions {
  /** How often to poll a pending creation; default the SDK's (2 s). Self-issued certificates complete in seconds. */
  pollIntervalMs?: number;
}

/**
 * The {@link CertificateStore} over the official `CertificateClient`. Certificates are self-issued RSA, their secret
 * in PEM (what Node's credentials read when a certificate is exportable); their key is made inside the vault.
 */
export function createKeyVaultCertificateStore(
  client: CertificateClient,
  options: CertificateStoreOptions = {},
): CertificateStore {
  const poll = options.pollIntervalMs === undefined ? {} : { intervalInMs: options.pollIntervalMs };
  return {
    vaultUrl: withoutTrailingSlashes(client.vaultUrl),

    create: (name, { subject, exportable, keySize, validityInMonths, tags }, budget) =>
      mapped(budget, async (abortSignal) => {
        const poller = await client.beginCreateCertificate(
          name,
          {
            issuerName: 'Self',
            subject,
            exportable,
            keyType: 'RSA',
            keySize,
            reuseKey: false,
            contentType: 'application/x-pem-file',
            validityInMonths,
          },
          { tags, ...poll, abortSignal },
        );
        // The begin options' abortSignal also reaches every poll of the operation.
        const created = await poller.pollUntilDone();
        const { version, id, notBefore, expiresOn } = created.properties;
        if (!created.cer || !version || !id || !created.keyId || !created.secretId || !notBefore || !expiresOn) {
          throw new UpstreamFailureError('Key Vault returned an incomplete certificate.', 'keyVault', undefined);
        }
        return {
          name,
          version,
          id,
          keyId: created.keyId,
          secretId: created.secretId,
          certificate: Buffer.from(created.cer).toString('base64'),
          notBefore,
          notAfter: expiresOn,
        };
      }),

    listVersions: (name, budget) =>
      mapped(budget, (abortSignal) =>
        listVersionInfo(name, client.listPropertiesOfCertificateVersions(name, { abortSignal })),
      ),

    disableVersion: (name, version, budget) =>
      mapped(budget, async (abortSignal) => {
        await client.updateCertificateProperties(name, version, { enabled: false, abortSignal });
      }),

    // Items are latest versions with their tags.
    certificatePages: () => summaryPages(client.listPropertiesOfCertificates().byPage()),
  };
}
