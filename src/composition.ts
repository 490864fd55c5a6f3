import type { TokenCredential } from '@azure/core-auth';
import { ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { createGraphClient, createGraphDirectory } from './azure/graphDirectory';
import { createKeyVaultSecretStore } from './azure/keyVaultSecretStore';
import { RetryOptions } from './azure/retryPolicy';
import { Config } from './config';
import { CallerAuthenticatorOptions, createCallerAuthenticator } from './http/callers';
import { Services } from './services';
import { VendingDependencies } from './vending/dependencies';

/** Seams for tests; production passes none. */
export interface CompositionOverrides {
  credential?: TokenCredential;
  clock?: () => Date;
  graphRetry?: RetryOptions;
  warn?: VendingDependencies['warn'];
  callers?: Omit<CallerAuthenticatorOptions, 'clock'>;
}

/**
 * The composition root: config → credential → Graph client and SecretClient → adapters → services, and the caller
 * authenticator for the API's audience and tenant. Builds clients only (no network). The credential is the
 * user-assigned managed identity named by AZURE_CLIENT_ID (App Service managed identity protocol in Azure and in the
 * sandbox).
 */
export function composeServices(config: Config, overrides: CompositionOverrides = {}): Services {
  const credential =
    overrides.credential ?? new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
  const graphClient = createGraphClient(credential, config.graph);
  const secretClient = new SecretClient(config.keyVaultUrl, credential, {
    disableChallengeResourceVerification: !config.keyVaultVerifyChallengeResource,
  });
  const clock = overrides.clock ?? (() => new Date());
  return {
    config,
    callers: createCallerAuthenticator(config.api, { ...overrides.callers, clock }),
    vending: {
      directory: createGraphDirectory(graphClient, {
        managedIdentityClientId: config.managedIdentityClientId,
        ...(overrides.graphRetry ? { retry: overrides.graphRetry } : {}),
      }),
      secretStore: createKeyVaultSecretStore(secretClient),
      lifetimePolicy: { maxDays: config.secretLifetime.maxDays, defaultDays: config.secretLifetime.defaultDays },
      expiringWithinDays: config.secretLifetime.expiringWithinDays,
      clock,
      warn:
        overrides.warn ??
        ((message, details) => console.warn(JSON.stringify({ level: 'warning', message, ...details }))),
    },
  };
}
