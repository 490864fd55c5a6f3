import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { appSettingsSchema, loadConfig } from '../../src/config';

/** local.settings.sample.json is what `func start` users copy: it must load, and its storage must be the sandbox's. */
const sample = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};

describe('local.settings.sample.json', () => {
  test('holds every required setting and loads through the same config the API starts with', () => {
    for (const name of appSettingsSchema.required)
      expect({ name, set: name in sample.Values }).toEqual({ name, set: true });
    expect(() => loadConfig(sample.Values)).not.toThrow();
  });

  test("the host's own storage is the sandbox's Azurite over HTTPS, on the ports the ledger and queue settings name", () => {
    const hostStorage = Object.fromEntries(
      sample.Values.AzureWebJobsStorage!.split(';')
        .filter(Boolean)
        .map((part) => [part.slice(0, part.indexOf('=')), part.slice(part.indexOf('=') + 1)]),
    );
    expect(hostStorage.DefaultEndpointsProtocol).toBe('https');
    expect(hostStorage.TableEndpoint).toBe(sample.Values.STORAGE_TABLE_SERVICE_URI);
    expect(hostStorage.QueueEndpoint).toBe(sample.Values.STORAGE_QUEUE_SERVICE_URI);
    expect(hostStorage.BlobEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:10000\//);
  });
});
