import type { TokenCredential } from '@azure/core-auth';
import { TableClient } from '@azure/data-tables';
import { ManagedIdentityCredential } from '@azure/identity';
import { CertificateClient } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import { QueueClient } from '@azure/storage-queue';
import { CallMeter } from './azure/callMeter';
import { createGraphClient, createGraphDirectory } from './azure/graphDirectory';
import { throttledWithoutRetryAfter } from './azure/keyVaultCalls';
import { createKeyVaultCertificateStore } from './azure/keyVaultCertificateStore';
import { createKeyVaultSecretStore } from './azure/keyVaultSecretStore';
import { classifiedCredential } from './azure/managedIdentity';
import { createQueueEventSink } from './azure/queueEvents';
import { abortableSleep, RetryOptions } from './azure/retryPolicy';
import { createTableLedger } from './azure/tableLedger';
import { createTableScanStore } from './azure/tableScanStore';
import { Config } from './config';
import { CallerAuthenticatorOptions, createCallerAuthenticator } from './http/callers';
import { DEFAULT_IDEMPOTENCY_SETTINGS, IdempotencySettings } from './http/idempotency';
import { Services } from './services';
import { startDeadline } from './vending/deadline';
import { TestHooks, VendingDependencies } from './vending/dependencies';
import { IdempotencyStore, Ledger } from './vending/ports';
import { createScanService } from './vending/scan/scanService';

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
  /** Poll interval of certificate creation (the sandbox's vault completes at once). */
  certificatePollIntervalMs?: number;
  /** The pauses of a rollback looking for a lost write (tests drive them without waiting). */
  sleep?: VendingDependencies['sleep'];
}

/**
 * The ledger sits in front of every change, so an outage must answer 503 within a second or two rather than after the
 * SDK's default minute of backoff; the caller (or Logic Apps) retries.
 */
const LEDGER_RETRY = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 } as const;

/**
 * The composition root: config → credential → Graph client, SecretClient, CertificateClient and TableClient →
 * adapters → services, and
 * the caller authenticator for the API's audience and tenant. Builds clients only (no network). The credential is the
 * user-assigned managed identity named by AZURE_CLIENT_ID (App Service managed identity protocol in Azure and in the
 * sandbox); it reaches Graph, Key Vault, the ledger and scan tables and the events queue. The expiry scan gets its own
 * Graph client, SecretClient and CertificateClient (same credential), metered, so its report counts its calls and
 * nobody else's.
 */
export function composeServices(config: Config, overrides: CompositionOverrides = {}): Services {
  // Every client gets the identity's failures classified (blamed on the identity) and its token requests cut off at
  // the caller's deadline.
  const credential = classifiedCredential(
    overrides.credential ?? new ManagedIdentityCredential({ clientId: config.managedIdentityClientId }),
  );
  const clock = overrides.clock ?? (() => new Date());
  const warn: VendingDependencies['warn'] =
    overrides.warn ?? ((message, details) => console.warn(JSON.stringify({ level: 'warning', message, ...details })));
  const directoryOptions = {
    managedIdentityClientId: config.managedIdentityClientId,
    ...(overrides.graphRetry ? { retry: overrides.graphRetry } : {}),
    warn,
  };
  const sleep: VendingDependencies['sleep'] =
    overrides.sleep ?? ((ms, signal) => abortableSleep(ms, signal).catch(() => undefined));
  // A 429 without Retry-After is retried too (the SDKs' own retry would give up on it at once).
  const vaultPolicies = [{ policy: throttledWithoutRetryAfter(), position: 'perCall' as const }];
  const vaultClientOptions = {
    disableChallengeResourceVerification: !config.keyVaultVerifyChallengeResource,
    additionalPolicies: vaultPolicies,
  };
  const tables =
    overrides.ledger ??
    createTableLedger(
      new TableClient(config.ledger.tableServiceUri, config.ledger.tableName, credential, {
        retryOptions: LEDGER_RETRY,
      }),
      { clock },
    );
  const directory = createGraphDirectory(createGraphClient(credential, config.graph), directoryOptions);
  const vending: VendingDependencies = {
    directory,
    secretStore: createKeyVaultSecretStore(new SecretClient(config.keyVaultUrl, credential, vaultClientOptions)),
    ledger: tables.ledger,
    lifetimePolicy: { maxDays: config.secretLifetime.maxDays, defaultDays: config.secretLifetime.defaultDays },
    expiringWithinDays: config.secretLifetime.expiringWithinDays,
    clock,
    sleep,
    warn,
    ...(overrides.testHooks ? { testHooks: overrides.testHooks } : {}),
  };
  const meter = new CallMeter();
  const scanDirectory = createGraphDirectory(createGraphClient(credential, config.graph, meter.graphMiddleware()), {
    ...directoryOptions,
    retry: { ...overrides.graphRetry, sleep: meter.graphSleep(overrides.graphRetry?.sleep ?? abortableSleep) },
  });
  const meteredVault = {
    ...vaultClientOptions,
    additionalPolicies: [...vaultPolicies, { policy: meter.keyVaultPolicy(), position: 'perRetry' as const }],
  };
  const scan = createScanService({
    directory: scanDirectory,
    secretStore: createKeyVaultSecretStore(new SecretClient(config.keyVaultUrl, credential, meteredVault)),
    certificates: {
      directory: scanDirectory,
      store: createKeyVaultCertificateStore(new CertificateClient(config.keyVaultUrl, credential, meteredVault)),
    },
    ledger: tables.ledger,
    store: createTableScanStore(new TableClient(config.ledger.tableServiceUri, config.scan.tableName, credential)),
    events: createQueueEventSink(
      new QueueClient(`${config.scan.queueServiceUri}/${config.scan.eventsQueue}`, credential),
      { source: `urn:entra-app-vending:expiry-scan:${config.managedIdentityClientId}` },
    ),
    meter,
    settings: {
      ...config.scan,
      expiringWithinDays: config.secretLifetime.expiringWithinDays,
      maxLifetimeDays: config.secretLifetime.maxDays,
      certificateMaxLifetimeDays: config.certificates.maxDays,
    },
    lifetimePolicy: vending.lifetimePolicy,
    clock,
    sleep,
    warn,
  });
  return {
    config,
    callers: createCallerAuthenticator(config.api, { ...overrides.callers, clock }),
    vending,
    certificates: {
      directory,
      certificateStore: createKeyVaultCertificateStore(
        new CertificateClient(config.keyVaultUrl, credential, vaultClientOptions),
        overrides.certificatePollIntervalMs === undefined
          ? {}
          : { pollIntervalMs: overrides.certificatePollIntervalMs },
      ),
      ledger: tables.ledger,
      lifetimePolicy: { maxDays: config.certificates.maxDays, defaultDays: config.certificates.defaultDays },
      allowExportable: config.certificates.allowExportable,
      expiringWithinDays: config.secretLifetime.expiringWithinDays,
      clock,
      sleep,
      warn,
    },
    scan,
    startDeadline: () => startDeadline(clock, config.deadlines),
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
