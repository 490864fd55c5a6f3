import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { RequestLogEntry } from '../../emulators/host/controlPlane';
import { ManagedApplication } from '../../src/vending/applications';
import { CreatedApplication } from '../../src/vending/createApplication';
import { IssuedSecret } from '../../src/vending/issueSecret';
import { callerTokens } from '../support/callerTokens';
import { graphClientAs, principalCredential } from '../support/clients';
import { control } from '../support/emulators';
import { ApiAnswer, callApi, useSandbox } from '../support/sandbox';

type Listed = { value: ManagedApplication[]; nextLink?: string };

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const part = (p: string | undefined) =>
    JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  const [header, claims] = token.split('.');
  return { header: part(header), claims: part(claims) };
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs `claims` with a key Entra never had, under any header. */
function forge(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** The owner tags among an app's tags (the product also tags an app with the request that created it). */
const ownerTags = (tags: string[]): string[] => tags.filter((t) => t.startsWith('vending:owner:'));

describe('who may ask: Entra tokens, app roles and per-app owners, end to end (sandbox over HTTP)', () => {
  const { sandbox, capture } = useSandbox();
  const tokenFor = callerTokens(() => sandbox().endpoints);
  const issuedTokens = new Set<string>();

  /** Calls the API as a seeded caller (app or user), with a token got from the emulated Entra as a client gets it. */
  async function as<T = Record<string, unknown>>(
    caller: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> {
    const token = await tokenFor(caller);
    issuedTokens.add(token);
    return callApi<T>(sandbox(), capture, method, path, body, { authorization: `Bearer ${token}` });
  }
  const withHeaders = <T = Record<string, unknown>>(method: string, path: string, headers: Record<string, string>) =>
    callApi<T>(sandbox(), capture, method, path, undefined, headers);
  const objectIdOf = (caller: string): string =>
    (sandbox().endpoints.users[caller] ?? sandbox().endpoints.principals[caller])!.objectId;
  const group = (): string => sandbox().endpoints.users.lee!.groups[0]!;

  async function graphCalls(): Promise<string[]> {
    const log = await control<RequestLogEntry[]>(sandbox().endpoints.graph.control, 'GET', 'requests');
    return log.filter((e) => e.principal === 'functionIdentity').map((e) => `${e.method} ${e.path}`);
  }
  const clearGraphLog = () => control(sandbox().endpoints.graph.control, 'DELETE', 'requests');

  async function create(caller: string, body: Record<string, unknown> = {}): Promise<CreatedApplication> {
    const answer = await as<CreatedApplication>(caller, 'POST', '/applications', {
      displayName: `authz-${randomUUID().slice(0, 8)}`,
      secret: false,
      ...body,
    });
    expect(answer.status).toBe(201);
    return answer.body;
  }

  describe('tokens: real ones from the emulated Entra work, forged and foreign ones are 401', () => {
    it('serves app-only callers and users signed in through a client', async () => {
      for (const caller of ['portal', 'operator', 'dana', 'ada']) {
        const answer = await as<Listed>(caller, 'GET', '/applications');
        expect({ caller, status: answer.status }).toEqual({ caller, status: 200 });
      }
      expect(decode(await tokenFor('dana')).claims).toMatchObject({ scp: 'access_as_user' });
      expect(decode(await tokenFor('portal')).claims).toMatchObject({ idtyp: 'app' });
    });

    it.each([
      ['no Authorization header', () => Promise.resolve({})],
      [
        'alg none',
        async () => {
          const { claims } = decode(await tokenFor('operator'));
          return { authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.` };
        },
      ],
      [
        'a tampered payload (roles raised to Admin)',
        async () => {
          const [header, , signature] = (await tokenFor('logicApp')).split('.');
          const { claims } = decode(await tokenFor('logicApp'));
          return { authorization: `Bearer ${header}.${b64({ ...claims, roles: ['Admin'] })}.${signature}` };
        },
      ],
      [
        "a foreign key under Entra's own kid",
        async () => {
          const { header, claims } = decode(await tokenFor('operator'));
          return { authorization: `Bearer ${forge(header, claims)}` };
        },
      ],
      [
        'an unknown kid',
        async () => {
          const { header, claims } = decode(await tokenFor('operator'));
          return { authorization: `Bearer ${forge({ ...header, kid: 'rotated-away', x5t: 'rotated-away' }, claims)}` };
        },
      ],
      [
        'a Graph token from the same tenant',
        async () => {
          const graph = await principalCredential(sandbox().endpoints, 'tenantAdmin').getToken(
            'https://graph.microsoft.com/.default',
          );
          return { authorization: `Bearer ${graph.token}` };
        },
      ],
      [
        'a Key Vault token from the same tenant',
        async () => {
          const vault = await principalCredential(sandbox().endpoints, 'operator').getToken(
            'https://vault.azure.net/.default',
          );
          return { authorization: `Bearer ${vault.token}` };
        },
      ],
      [
        'only x-ms-client-principal headers claiming Admin',
        () =>
          Promise.resolve({
            'x-ms-client-principal': Buffer.from(
              JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: 'Admin' }] }),
            ).toString('base64'),
            'x-ms-client-principal-id': objectIdOf('ada'),
            'x-ms-client-principal-name': 'ada@contoso.onmicrosoft.com',
          }),
      ],
    ])('refuses %s: 401 problem with a Bearer challenge, before any Graph call', async (_case, headers) => {
      await clearGraphLog();
      const answer = await withHeaders('GET', '/applications', await headers());
      expect(answer.status).toBe(401);
      expect(answer.contentType).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ status: 401, type: 'urn:entra-app-vending:problem:Unauthenticated' });
      const { endpoints } = sandbox();
      expect(answer.headers.get('www-authenticate')).toMatch(
        new RegExp(
          `^Bearer authorization_uri="${endpoints.entra.authorityHost}/${endpoints.tenantId}/oauth2/v2.0/authorize", resource_id="${endpoints.api.identifierUri}"`,
        ),
      );
      expect(await graphCalls()).toEqual([]);
    });

    it('never lets x-ms-client-principal headers raise a real caller', async () => {
      const app = await create('portal');
      const answer = await callApi(
        sandbox(),
        capture,
        'POST',
        '/applications',
        { displayName: 'x' },
        {
          authorization: `Bearer ${await tokenFor('logicApp')}`,
          'x-ms-client-principal': Buffer.from(JSON.stringify({ claims: [{ typ: 'roles', val: 'Admin' }] })).toString(
            'base64',
          ),
        },
      );
      expect(answer.status).toBe(403);
      expect((await as('logicApp', 'GET', `/applications/${app.application.appId}/owners`)).status).toBe(404);
    });
  });

  describe('roles: each allows exactly its operations, the rest is 403', () => {
    it('App.Create and Secret.Create (portal): creates, then manages its own app; no role: 403 everywhere', async () => {
      const app = (await create('portal')).application;
      const base = `/applications/${app.appId}`;
      const added = await as<IssuedSecret>('portal', 'POST', `${base}/secrets`, {});
      expect(added.status).toBe(201);
      expect((await as('portal', 'GET', `${base}/secrets`)).status).toBe(200);
      expect((await as('portal', 'DELETE', `${base}/secrets/${added.body.keyId}`)).status).toBe(204);
      expect((await as('portal', 'GET', `${base}/owners`)).status).toBe(200);
      expect((await as('portal', 'PUT', `${base}/owners`, { owners: [objectIdOf('portal')] })).status).toBe(200);

      const calls: [string, string, unknown?][] = [
        ['POST', '/applications', { displayName: 'x' }],
        ['GET', '/applications'],
        ['POST', `${base}/secrets`, {}],
        ['GET', `${base}/secrets`],
        ['DELETE', `${base}/secrets/${randomUUID()}`],
        ['GET', `${base}/owners`],
        ['PUT', `${base}/owners`, { owners: [randomUUID()] }],
      ];
      await clearGraphLog();
      for (const [method, path, body] of calls) {
        const answer = await as('noRoles', method, path, body);
        expect({ method, path, status: answer.status, type: answer.body.type }).toEqual({
          method,
          path,
          status: 403,
          type: 'urn:entra-app-vending:problem:Forbidden',
        });
      }
      expect(await graphCalls()).toEqual([]);
    });

    it('Secret.Create alone (logicApp app-only, lee through a group): secrets and reading, not creating or re-owning', async () => {
      const app = (await create('portal', { owners: [objectIdOf('logicApp'), objectIdOf('lee')] })).application;
      for (const caller of ['logicApp', 'lee']) {
        const create403 = await as(caller, 'POST', '/applications', { displayName: 'nope' });
        expect(create403.status).toBe(403);
        expect(create403.body.detail).toBe('This operation needs one of the app roles App.Create, Admin on this API.');
        expect(
          (await as(caller, 'PUT', `/applications/${app.appId}/owners`, { owners: [objectIdOf(caller)] })).status,
        ).toBe(403);
        expect((await as(caller, 'POST', `/applications/${app.appId}/secrets`, {})).status).toBe(201);
        expect((await as(caller, 'GET', `/applications/${app.appId}/owners`)).status).toBe(200);
        const listed = await as<Listed>(caller, 'GET', '/applications');
        expect(listed.body.value.map((a) => a.appId)).toContain(app.appId);
      }
    });

    it('App.Create for a user (dana): the user owns what it creates', async () => {
      const created = await create('dana');
      expect(created.application.owners).toEqual([objectIdOf('dana')]);
      expect((await as('dana', 'POST', `/applications/${created.application.appId}/secrets`, {})).status).toBe(201);
    });
  });

  describe('owners: only they (and Admin) reach an app; everyone else finds nothing', () => {
    it("answers 404 for someone else's app, exactly as for one that does not exist, and touches nothing", async () => {
      const app = (await create('portal', { secret: { lifetimeDays: 10 } })).application;
      const missing = randomUUID();
      for (const caller of ['logicApp', 'dana', 'lee']) {
        for (const appId of [app.appId, missing]) {
          const answers = [
            await as(caller, 'POST', `/applications/${appId}/secrets`, {}),
            await as(caller, 'GET', `/applications/${appId}/secrets`),
            await as(caller, 'DELETE', `/applications/${appId}/secrets/${randomUUID()}`),
            await as(caller, 'GET', `/applications/${appId}/owners`),
          ];
          for (const answer of answers) {
            expect(answer.status).toBe(404);
            expect(answer.body).toMatchObject({ type: 'urn:entra-app-vending:problem:NotFound' });
          }
        }
        expect((await as<Listed>(caller, 'GET', '/applications')).body.value.map((a) => a.appId)).not.toContain(
          app.appId,
        );
      }
      const graphApp = (await graphClientAs(sandbox().endpoints, 'tenantAdmin')
        .api(`/applications(appId='${app.appId}')`)
        .select(['passwordCredentials', 'tags'])
        .get()) as { passwordCredentials: unknown[]; tags: string[] };
      expect(graphApp.passwordCredentials).toHaveLength(1);
      expect(ownerTags(graphApp.tags)).toEqual([`vending:owner:${objectIdOf('portal')}`]);
    });

    it('lets owners named at creation and owners added later manage the app, and the removed ones no longer', async () => {
      const app = (await create('portal', { owners: [objectIdOf('logicApp')] })).application;
      expect(app.owners).toEqual([objectIdOf('portal'), objectIdOf('logicApp')]);
      expect((await as('logicApp', 'POST', `/applications/${app.appId}/secrets`, {})).status).toBe(201);
      expect((await as('dana', 'GET', `/applications/${app.appId}/secrets`)).status).toBe(404);

      const replaced = await as<ManagedApplication>('portal', 'PUT', `/applications/${app.appId}/owners`, {
        owners: [objectIdOf('portal'), objectIdOf('dana')],
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.owners).toEqual([objectIdOf('portal'), objectIdOf('dana')]);
      expect((await as('dana', 'GET', `/applications/${app.appId}/secrets`)).status).toBe(200);
      expect((await as('logicApp', 'GET', `/applications/${app.appId}/secrets`)).status).toBe(404);
      expect((await as<ManagedApplication>('dana', 'GET', `/applications/${app.appId}/owners`)).body.owners).toEqual([
        objectIdOf('portal'),
        objectIdOf('dana'),
      ]);
    });

    it("lets a group's members manage its app through the groups claim of their tokens", async () => {
      const app = (await create('portal', { owners: [group()] })).application;
      for (const member of ['lee', 'dana']) {
        expect((await as(member, 'POST', `/applications/${app.appId}/secrets`, {})).status).toBe(201);
      }
      // logicApp holds the same role but is in no group.
      expect((await as('logicApp', 'POST', `/applications/${app.appId}/secrets`, {})).status).toBe(404);
      expect((await as<Listed>('lee', 'GET', '/applications')).body.value.map((a) => a.appId)).toContain(app.appId);
    });

    it('never lets an app lose its last owner, and checks what an owner list may hold', async () => {
      const app = (await create('portal')).application;
      const empty = await as<{ errors: { pointer: string }[] }>('portal', 'PUT', `/applications/${app.appId}/owners`, {
        owners: [],
      });
      expect(empty.status).toBe(400);
      expect(empty.body.errors.map((e) => e.pointer)).toEqual(['/owners']);
      const notIds = await as('portal', 'PUT', `/applications/${app.appId}/owners`, { owners: ['ada'] });
      expect(notIds.status).toBe(400);
      const tooMany = await as('portal', 'POST', '/applications', {
        displayName: 'crowded',
        owners: Array.from({ length: 20 }, () => randomUUID()),
      });
      expect(tooMany.status).toBe(422);
      expect(tooMany.body.type).toBe('urn:entra-app-vending:problem:OwnershipRuleViolation');
      expect((await as<ManagedApplication>('portal', 'GET', `/applications/${app.appId}/owners`)).body.owners).toEqual([
        objectIdOf('portal'),
      ]);
    });
  });

  describe('Admin (operator app-only, ada as a user) reaches every app this API owns', () => {
    it('lists every app, and manages one it does not own', async () => {
      const app = (await create('portal')).application;
      for (const admin of ['operator', 'ada']) {
        const seen: string[] = [];
        let next: string | undefined = '/applications?top=999';
        while (next) {
          const page: ApiAnswer<Listed> = await as<Listed>(admin, 'GET', next.replace(sandbox().apiBaseUrl, ''));
          expect(page.status).toBe(200);
          seen.push(...page.body.value.map((a) => a.appId));
          next = page.body.nextLink;
        }
        expect(seen).toContain(app.appId);
        // The seeded app this identity does not own is not among them.
        expect(seen).not.toContain(sandbox().emulators.seed.applications[0]!.appId);
        expect((await as(admin, 'POST', `/applications/${app.appId}/secrets`, {})).status).toBe(201);
        expect((await as(admin, 'GET', `/applications/${app.appId}/owners`)).status).toBe(200);
      }
      const adopted = await as<ManagedApplication>('ada', 'PUT', `/applications/${app.appId}/owners`, {
        owners: [group()],
      });
      expect(adopted.body.owners).toEqual([group()]);
      expect((await as('portal', 'GET', `/applications/${app.appId}/secrets`)).status).toBe(404);
    });

    it('pages GET /applications with top and nextLink, one Graph call per page', async () => {
      for (let i = 0; i < 3; i++) await create('operator');
      await clearGraphLog();
      const first = await as<Listed>('operator', 'GET', '/applications?top=2');
      expect(first.status).toBe(200);
      expect(first.body.value).toHaveLength(2);
      expect(first.body.nextLink).toMatch(new RegExp(`^${sandbox().apiBaseUrl}/applications\\?top=2&skipToken=`));
      const second = await as<Listed>('operator', 'GET', first.body.nextLink!.replace(sandbox().apiBaseUrl, ''));
      expect(second.status).toBe(200);
      expect(second.body.value.map((a) => a.appId)).not.toContain(first.body.value[0]!.appId);
      const own = sandbox().endpoints.managedIdentity.clientId;
      expect(await graphCalls()).toEqual([
        `GET /v1.0/servicePrincipals(appId='${own}')/ownedObjects/microsoft.graph.application`,
        `GET /v1.0/servicePrincipals(appId='${own}')/ownedObjects/microsoft.graph.application`,
      ]);
      const bad = await as('operator', 'GET', '/applications?top=0');
      expect(bad.status).toBe(400);
      expect((await as('operator', 'GET', '/applications?skipToken=a%26b')).status).toBe(400);
    });
  });

  describe('Graph calls, from the emulator’s request log', () => {
    it('create: 2 calls (owners written in the create call itself); add-secret: 1 read more for an owner, none for Admin', async () => {
      await create('portal'); // warm-up: the first calls of a client carry one-time token and vault challenges
      await clearGraphLog();
      const created = await create('portal', { owners: [group()], secret: {} });
      const { appId } = created.application;
      expect(await graphCalls()).toEqual(['POST /v1.0/applications', 'POST /v1.0/servicePrincipals']);
      const tags = (
        (await graphClientAs(sandbox().endpoints, 'tenantAdmin')
          .api(`/applications(appId='${appId}')`)
          .select(['tags'])
          .get()) as { tags: string[] }
      ).tags;
      expect(ownerTags(tags)).toEqual([`vending:owner:${objectIdOf('portal')}`, `vending:owner:${group()}`]);

      await clearGraphLog();
      expect((await as('lee', 'POST', `/applications/${appId}/secrets`, {})).status).toBe(201);
      expect(await graphCalls()).toEqual([
        `GET /v1.0/applications(appId='${appId}')`,
        `POST /v1.0/applications(appId='${appId}')/addPassword`,
      ]);
      await clearGraphLog();
      expect((await as('operator', 'POST', `/applications/${appId}/secrets`, {})).status).toBe(201);
      expect(await graphCalls()).toEqual([`POST /v1.0/applications(appId='${appId}')/addPassword`]);

      // list and revoke cost what they did before owners: the app and its Entra owners, read together.
      await clearGraphLog();
      const listed = await as<{ secrets: { keyId: string }[] }>('portal', 'GET', `/applications/${appId}/secrets`);
      expect((await graphCalls()).sort()).toEqual(
        [`GET /v1.0/applications(appId='${appId}')`, `GET /v1.0/applications(appId='${appId}')/owners`].sort(),
      );
      await clearGraphLog();
      expect(
        (await as('portal', 'DELETE', `/applications/${appId}/secrets/${listed.body.secrets[0]!.keyId}`)).status,
      ).toBe(204);
      const revokeCalls = await graphCalls();
      expect(revokeCalls).toHaveLength(3);
      expect(revokeCalls.at(-1)).toBe(`POST /v1.0/applications(appId='${appId}')/removePassword`);
    });
  });

  // Last: it sees every log line of the suite.
  it('never logged a token, and logged why each refusal happened', () => {
    expect(issuedTokens.size).toBeGreaterThan(3);
    const logs = capture.logLines.join('\n');
    for (const token of issuedTokens) {
      for (const part of token.split('.').filter((p) => p.length > 16)) expect(logs).not.toContain(part);
    }
    expect(logs).toMatch(/request refused.*"status":401.*"reason":"no token"/);
    expect(logs).toMatch(/request refused.*"status":401.*"reason":"signature".*"kid":"/);
    expect(logs).toMatch(
      /request refused.*"status":401.*"reason":"[^"]*aud[^"]*".*"aud":"https:\/\/graph.microsoft.com"/,
    );
    expect(logs).toMatch(/request refused.*"status":403/);
  });
});
