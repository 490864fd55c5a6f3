import { TableClient } from '@azure/data-tables';
import { createTableScanStore } from '../../src/azure/tableScanStore';
import { CreatedApplication } from '../../src/vending/createApplication';
import { ScanReport } from '../../src/vending/scan/scanReport';
import { callerTokens } from '../support/callerTokens';
import { graphClientAs } from '../support/clients';
import { callApi, useSandbox } from '../support/sandbox';

describe('the expiry scan and rotation opt-in over HTTP, with tokens (sandbox stack with Azurite)', () => {
  const { sandbox, capture } = useSandbox();
  const tokenFor = callerTokens(() => sandbox().endpoints);
  const as = async <T = Record<string, unknown>>(
    caller: string | undefined,
    method: string,
    path: string,
    body?: unknown,
  ) =>
    callApi<T>(
      sandbox(),
      capture,
      method,
      path,
      body,
      caller ? { authorization: `Bearer ${await tokenFor(caller)}` } : {},
    );
  const tagsOf = async (appId: string) =>
    (
      (await graphClientAs(sandbox().endpoints, 'tenantAdmin')
        .api(`/applications(appId='${appId}')`)
        .select(['tags'])
        .get()) as { tags: string[] }
    ).tags;

  it('lets an owner (or Admin) choose the rotated slots at creation and later, keeping every other tag', async () => {
    const created = await as<CreatedApplication>('portal', 'POST', '/applications', {
      displayName: 'rotating-app',
      rotate: true,
      secret: { lifetimeDays: 30 },
    });
    expect(created.status).toBe(201);
    const appId = created.body.application.appId;
    const owner = `vending:owner:${sandbox().endpoints.principals.portal!.objectId}`;
    // The create's own tag (how a create whose answer was lost is found) is one more tag the rotation writes keep.
    const requestTag = (await tagsOf(appId)).find((t) => t.startsWith('vending:request:'));
    expect(requestTag).toMatch(/^vending:request:[0-9a-f-]{36}$/);
    expect(await tagsOf(appId)).toEqual([owner, requestTag, 'vending:rotate:*']);
    expect((await as('portal', 'GET', `/applications/${appId}/rotation`)).body).toEqual({ appId, slots: ['*'] });

    const set = await as('portal', 'PUT', `/applications/${appId}/rotation`, { slots: ['default', 'CI'] });
    expect({ status: set.status, body: set.body }).toEqual({ status: 200, body: { appId, slots: ['ci', 'default'] } });
    expect(await tagsOf(appId)).toEqual([owner, requestTag, 'vending:rotate:ci', 'vending:rotate:default']);
    expect((await as('operator', 'PUT', `/applications/${appId}/rotation`, { slots: [] })).body).toEqual({
      appId,
      slots: [],
    });
    expect(await tagsOf(appId)).toEqual([owner, requestTag]);

    // Not an owner: the app does not exist for it. Bad input: 400, nothing changed.
    expect((await as('logicApp', 'PUT', `/applications/${appId}/rotation`, { slots: ['*'] })).status).toBe(404);
    const bad = await as('portal', 'PUT', `/applications/${appId}/rotation`, { slots: ['no spaces'] });
    expect(bad.status).toBe(400);
    expect(await tagsOf(appId)).toEqual([owner, requestTag]);
  });

  it('runs the scan for Admin only, stores real runs, and answers 409 while another run holds the lock', async () => {
    expect((await as(undefined, 'POST', '/scans', { dryRun: true })).status).toBe(401);
    expect((await as('portal', 'POST', '/scans', { dryRun: true })).status).toBe(403);
    expect((await as('portal', 'GET', '/scans/latest')).status).toBe(403);

    const dry = await as<ScanReport>('operator', 'POST', '/scans', { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, trigger: 'api', applications: 1, credentials: 1 });
    expect((await as('operator', 'GET', '/scans/latest')).status).toBe(404);

    const real = await as<ScanReport>('operator', 'POST', '/scans');
    expect(real.body).toMatchObject({ dryRun: false, trigger: 'api' });
    const latest = await as<ScanReport>('operator', 'GET', '/scans/latest');
    expect(latest.body).toEqual(real.body);

    const store = createTableScanStore(
      TableClient.fromConnectionString(sandbox().azurite!.connectionString, 'scans', { allowInsecureConnection: true }),
    );
    const lease = (await store.acquireLock('someone-else', new Date(), 60_000))!;
    const refused = await as('operator', 'POST', '/scans');
    expect(refused.status).toBe(409);
    expect(refused.contentType).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'urn:entra-app-vending:problem:ScanInProgress', status: 409 });
    expect(refused.headers.get('retry-after')).toBe('600');
    await lease.release();
    expect((await as('operator', 'POST', '/scans', { dryRun: false })).status).toBe(200);
  });
});
