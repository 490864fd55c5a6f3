import type { TokenCredential } from '@azure/core-auth';
import { TableClient } from '@azure/data-tables';
import { ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { createGraphClient, createGraphDirectory } from './azure/graphDirectory';
import { createKeyVaultSecretStore } from './azure/keyVaultSecretStore';
import { RetryOptions } from './azure/retryPolicy';
import { createTableLedger } from './azure/tableLedger';
import { Config } from './config';
import { CallerAuthenticatorOptions, createCallerAuthenticator } from './http/callers';
import { DEFAULT_IDEMPOTENCY_SETTINGS, IdempotencySettings } from './http/idempotency';
import { Services } from './services';
import { TestHooks, VendingDependencies } from './vending/dependencies';
import { IdempotencyStore, Ledger } from './vending/ports';

/** Seams for tests, the sandbox and the bench; production passes none. */
export interface CompositionOverrides {
  credential?: TokenCredential;
  clock?: () => Date;
  graphRetry?: RetryOptions;
  warn?: VendingDependencies['warn'];
  callers?: Omit<CallerAuthenticatorOptions, 'clock'>;
  /** Another ledger and idempotency store (the bench measures the API without one). */
  ledger?: { ledger: Ledger; idempotency: IdempotencyStore };
  /** Claim timings (tests shorten the wait). */
  idempotency?: Partial<Omit<IdempotencySettings, 'retentionMs'>>;
  /** Test-only pause points; only the sandbox sets them, only when asked to. */
  testHooks?: TestHooks;
}

/**
 * The ledger sits in front of every change, so an outage must answer 503 within a second or two rather than after the
 * SDK's default minute of backoff; the caller (or Logic Apps) retries.
 */
const LEDGER_RETRY = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 } as const;

/**
 * The composition root: config → credential → Graph client, SecretClient and TableClient → adapters → services, and
 * the caller authenticator for the API's audience and tenant. Builds clients only (no network). The credential is the
 * user-assigned managed identity named by AZURE_CLIENT_ID (App Service managed identity protocol in Azure and in the
 * sandbox); it reaches Graph, Key Vault and the ledger table.
 */
export function composeServices(config: Config, overrides: CompositionOverrides = {}): Services {
  const credential =
    overrides.credential ?? new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
  const clock = overrides.clock ?? (() => new Date());
  const warn: VendingDependencies['warn'] =
    overrides.warn ?? ((message, details) => console.warn(JSON.stringify({ level: 'warning', message, ...details })));
  const graphClient = createGraphClient(credential, config.graph);
  const secretClient = new SecretClient(config.keyVaultUrl, credential, {
    disableChallengeResourceVerification: !config.keyVaultVerifyChallengeResource,
  });
  const tables =
    overrides.ledger ??
    createTableLedger(
      new TableClient(config.ledger.tableServiceUri, config.ledger.tableName, credential, {
        retryOptions: LEDGER_RETRY,
      }),
      { clock },
    );
  return {
    config,
    callers: createCallerAuthenticator(config.api, { ...overrides.callers, clock }),
    vending: {
      directory: createGraphDirectory(graphClient, {
        managedIdentityClientId: config.managedIdentityClientId,
        ...(overrides.graphRetry ? { retry: overrides.graphRetry } : {}),
      }),
      secretStore: createKeyVaultSecretStore(secretClient),
      ledger: tables.ledger,
      lifetimePolicy: { maxDays: config.secretLifetime.maxDays, defaultDays: config.secretLifetime.defaultDays },
      expiringWithinDays: config.secretLifetime.expiringWithinDays,
      clock,
      warn,
      ...(overrides.testHooks ? { testHooks: overrides.testHooks } : {}),
    },
    idempotency: {
      store: tables.idempotency,
      clock,
      sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
      settings: {
        ...DEFAULT_IDEMPOTENCY_SETTINGS,
        ...overrides.idempotency,
        retentionMs: config.idempotency.retentionHours * 3600 * 1000,
      },
      warn,
    },
  };
}
