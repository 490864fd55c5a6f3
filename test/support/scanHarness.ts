import { randomUUID } from 'node:crypto';
import { InvocationContext, Timer } from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import { RunningEmulators } from '../../emulators/index';
import { createRecordingHost, RecordingHost } from '../../sandbox/recordingHost';
import { appSettingsFor } from '../../sandbox/sandbox';
import { RunningAzurite } from '../../sandbox/azurite';
import { startApp } from '../../src/app';
import { NO_DEADLINE } from '../../src/vending/deadline';
import { MANAGED_BY_TAG } from '../../src/vending/issueSecret';
import { Caller, RequestContext } from '../../src/vending/ports';
import { secretNameFor } from '../../src/vending/secretNaming';
import { graphClientAs, secretClientAs } from './clients';
import { control } from './emulators';

export const DAY_MS = 24 * 60 * 60 * 1000;

const TEST_CALLER: Caller = {
  id: '0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e',
  kind: 'app',
  clientAppId: undefined,
  roles: [],
  groups: [],
  scopes: [],
};

/** The request the tests create apps and issue secrets in: an app-only caller, owner of what it creates. */
export const CALLER: RequestContext = {
  caller: TEST_CALLER,
  trace: { caller: { id: TEST_CALLER.id, roles: [] }, correlationId: 'scan-tests', receivedAt: new Date() },
  deadline: NO_DEADLINE,
};

/** A CloudEvent as read back from the queue. */
export interface ReceivedEvent {
  specversion: string;
  id: string;
  type: string;
  source: string;
  subject: string;
  data: Record<string, unknown> & { keyId: string; class: string; action: string; outcome: string };
}

/**
 * The app started as the host starts it (settings → services → every registered function), against private
 * emulators and Azurite, on a clock the test moves: `advance` moves the product's clock and the Graph and Key Vault
 * emulators' clocks together, so nothing sleeps and every "created" date agrees.
 */
export function startScanHarness(
  emulators: RunningEmulators,
  azurite: RunningAzurite,
  settings: Record<string, string> = {},
) {
  const { endpoints } = emulators;
  let offsetMs = 0;
  const warnings: Record<string, string>[] = [];
  const host: RecordingHost = createRecordingHost();
  const appSettings = { ...appSettingsFor(endpoints, azurite), ...settings };
  const overrides = {
    // The emulated vault completes a certificate at once: poll for it without the SDK's 2 s wait.
    certificatePollIntervalMs: 10,
    clock: () => new Date(Date.now() + offsetMs),
    warn: (message: string, details: Record<string, string>) => warnings.push({ message, ...details }),
  };
  const { services } = startApp(host, appSettings, { overrides });
  const logs: string[] = [];
  const admin = graphClientAs(endpoints, 'tenantAdmin');
  const vault = secretClientAs(endpoints, 'tenantAdmin');
  const events = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('credential-events');

  return {
    services,
    host,
    warnings,
    logs,
    now: () => new Date(Date.now() + offsetMs),
    /** Moves every clock forward by `ms`. */
    async advance(ms: number): Promise<void> {
      offsetMs += ms;
      await control(endpoints.graph.control, 'POST', 'clock', { advanceMs: ms });
      await control(endpoints.keyVault.control, 'POST', 'clock', { advanceMs: ms });
    },
    /**
     * A second instance of the app on the same clock and storage, whose requests stop for good between Graph issuing
     * a secret and the vault write (after the ledger recorded the progress), as a process that died there would.
     * `stuck` resolves once a request has reached that point.
     */
    crashingInstance() {
      let reached!: () => void;
      const stuck = new Promise<void>((done) => (reached = done));
      const { services: crashing } = startApp(createRecordingHost(), appSettings, {
        overrides: {
          ...overrides,
          testHooks: {
            beforeVaultWrite: () => {
              reached();
              return new Promise<void>(() => undefined);
            },
          },
        },
      });
      return { vending: crashing.vending, stuck };
    },
    /** Runs the registered timer function, as the host does on schedule. */
    async runTimer(isPastDue = false): Promise<void> {
      const timer = host.timerFunctions.get('expiryScan');
      if (!timer) throw new Error('expiryScan is not registered');
      const now = new Date().toISOString();
      const tick: Timer = {
        isPastDue,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: now, next: now, lastUpdated: now },
      };
      const context = new InvocationContext({
        functionName: 'expiryScan',
        logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`),
      });
      await timer.handler(tick, context);
    },
    /** The app with its credentials and tags, as a tenant admin reads it. */
    async application(
      appId: string,
    ): Promise<{ tags: string[]; passwordCredentials: { keyId: string; displayName: string | null }[] }> {
      return (await admin.api(`/applications(appId='${appId}')`).select(['tags', 'passwordCredentials']).get()) as {
        tags: string[];
        passwordCredentials: { keyId: string; displayName: string | null }[];
      };
    },
    async setTags(appId: string, tags: string[]): Promise<void> {
      await admin.api(`/applications(appId='${appId}')`).patch({ tags });
    },
    /** Plants a credential with any dates (no secret exists for it); stores a vault version for it when asked. */
    async plant(
      appId: string,
      displayName: string,
      startOffsetMs: number,
      endOffsetMs: number,
      store: boolean,
    ): Promise<string> {
      const base = Date.now() + offsetMs;
      const { keyId } = await control<{ keyId: string }>(endpoints.graph.control, 'POST', 'credentials', {
        appId,
        displayName,
        startDateTime: new Date(base + startOffsetMs).toISOString(),
        endDateTime: new Date(base + endOffsetMs).toISOString(),
      });
      if (store) await this.storeVersion(appId, displayName, keyId);
      return keyId;
    },
    /** Writes a vault version as this product would (tags managedBy, appId, keyId). */
    async storeVersion(appId: string, slot: string, keyId: string): Promise<void> {
      await vault.setSecret(secretNameFor(appId, slot), `planted-${randomUUID()}`, {
        tags: { ...MANAGED_BY_TAG, appId, keyId },
      });
    },
    /** Every secret's versions as the vault's control plane shows them (metadata only). */
    async vaultState(): Promise<
      { name: string; versions: { version: string; enabled: boolean; tags: Record<string, string> | null }[] }[]
    > {
      return control(endpoints.keyVault.control, 'GET', 'secrets');
    },
    /** Every application with its credentials and tags (tenant admin view), for before/after comparisons. */
    async directoryState(): Promise<unknown[]> {
      const page = (await admin
        .api('/applications')
        .select(['appId', 'tags', 'passwordCredentials'])
        .top(999)
        .get()) as { value: unknown[] };
      return page.value;
    },
    /** Receives (and deletes) every message on the events queue. */
    async drainEvents(): Promise<ReceivedEvent[]> {
      if (!(await events.exists())) return [];
      const received: ReceivedEvent[] = [];
      for (;;) {
        const batch = await events.receiveMessages({ numberOfMessages: 32 });
        if (batch.receivedMessageItems.length === 0) return received;
        for (const message of batch.receivedMessageItems) {
          received.push(JSON.parse(message.messageText) as ReceivedEvent);
          await events.deleteMessage(message.messageId, message.popReceipt);
        }
      }
    },
  };
}
