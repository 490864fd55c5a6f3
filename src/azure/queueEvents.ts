import { QueueClient } from '@azure/storage-queue';
import { forEachBounded } from '../vending/scan/boundedConcurrency';
import { FINDING_JSON_SCHEMA } from '../vending/scan/findings';
import { CredentialEvent, EventSink } from '../vending/scan/scanPorts';

/** A CloudEvents 1.0 event in its JSON format (structured mode), as each queue message carries it. */
export interface CloudEvent<T> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: T;
}

/** Messages sent to the queue at once. */
const SEND_CONCURRENCY = 16;

/**
 * The documented `data` of every credential event (JSON Schema): one finding of the expiry scan, the run that made it
 * and the application's name. Subscribers (a Logic App, a Function) route on the event's `type`,
 * `com.entra-app-vending.credential.<class>`, and read these fields. Never a secret value.
 */
export const credentialEventDataSchema = {
  ...FINDING_JSON_SCHEMA,
  required: ['runId', ...FINDING_JSON_SCHEMA.required],
  properties: {
    runId: { type: 'string', description: 'The scan run that made the finding.' },
    applicationDisplayName: { type: 'string' },
    ...FINDING_JSON_SCHEMA.properties,
  },
} as const;

/** Wraps a credential event in its CloudEvents 1.0 envelope. */
export function toCloudEvent(event: CredentialEvent, source: string): CloudEvent<CredentialEvent['data']> {
  return {
    specversion: '1.0',
    id: event.id,
    source,
    type: event.type,
    subject: event.subject,
    time: event.time,
    datacontenttype: 'application/json',
    data: event.data,
  };
}

/**
 * The {@link EventSink} over an Azure Storage queue: one message per event, its text the CloudEvent's JSON (UTF-8, not
 * base64: a Functions queue trigger reading it sets `messageEncoding: none`). Sends with bounded concurrency; a
 * message that cannot be sent is counted as failed, and the next scan tells the finding again. The queue exists
 * already (Bicep creates it in Azure, the sandbox in Azurite).
 */
export function createQueueEventSink(queue: QueueClient, options: { source: string }): EventSink {
  return {
    async publish(events) {
      let published = 0;
      let failed = 0;
      await forEachBounded(events, SEND_CONCURRENCY, async (event) => {
        try {
          await queue.sendMessage(JSON.stringify(toCloudEvent(event, options.source)));
          published++;
        } catch {
          failed++;
        }
      });
      return { published, failed };
    },
  };
}
