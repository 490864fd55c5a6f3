import { request as httpRequest } from 'node:http';
import { RequestLogEntry as LogEntry } from '../../emulators/host/serviceHost';
import { MAX_BODY_BYTES } from '../../src/http/requestBody';
import { CreatedApplication } from '../../src/vending/createApplication';
import { connectorDefinitionValidator, schemaErrors } from '../support/connectorSchemas';
import { callerTokens } from '../support/callerTokens';
import { control } from '../support/emulators';
import { ApiAnswer, callApi, useSandbox } from '../support/sandbox';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** Bytes of the body the client had handed to the socket when the answer came. */
  sent: number;
}

/**
 * POSTs `total` bytes of JSON-ish filler over plain node:http, with or without a Content-Length (chunked), writing
 * with backpressure and stopping as soon as the answer arrives: what a client sending an oversized body sees.
 */
function rawPost(
  url: string,
  total: number,
  withLength: boolean,
  authorization: string,
  contentType = 'application/json',
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string> = { 'content-type': contentType, authorization };
    if (withLength) headers['content-length'] = String(total);
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      // Stop the upload: a client that got its final answer has nothing more to send.
      res.on('end', () => req.destroy());
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: JSON.parse(text) as Record<string, unknown>,
          sent,
        }),
      );
    });
    // An error before the answer fails the call; after it, the upload was cut short on purpose.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const write = (): void => {
      while (!answered && sent < total) {
        const size = Math.min(chunk.length, total - sent);
        sent += size;
        if (!req.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void req.once('drain', write);
      }
      if (!answered) req.end();
    };
    write();
  });
}

describe('edges of the API over HTTP (sandbox stack)', () => {
  const { sandbox, capture } = useSandbox();
  const tokenFor = callerTokens(() => sandbox().endpoints);
  /** The portal's (App.Create, Secret.Create) Authorization header. */
  const authorization = async (): Promise<string> => `Bearer ${await tokenFor('portal')}`;
  const api = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> =>
    callApi<T>(sandbox(), capture, method, path, body, { authorization: await authorization(), ...headers });
  const graphCalls = (): Promise<LogEntry[]> =>
    control<LogEntry[]>(sandbox().endpoints.graph.control, 'GET', 'requests');
  const clearGraphLog = (): Promise<unknown> => control(sandbox().endpoints.graph.control, 'DELETE', 'requests');

  describe('413 Content Too Large', () => {
    it.each([
      ['with its Content-Length (refused before reading)', true],
      ['chunked, without a length (refused at the limit)', false],
    ])('refuses a 10 MB body %s, calling nothing, and keeps serving', async (_how, withLength) => {
      await clearGraphLog();
      const answer = await rawPost(
        `${sandbox().apiBaseUrl}/applications`,
        10 * 1024 * 1024,
        withLength,
        await authorization(),
      );
      expect(answer.status).toBe(413);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.body).toMatchObject({
        type: 'urn:entra-app-vending:problem:ContentTooLarge',
        title: 'Content Too Large',
        status: 413,
        maxBodyBytes: MAX_BODY_BYTES,
      });
      expect(await graphCalls()).toEqual([]);
      expect((await api('GET', '/health')).status).toBe(200);
    });

    it('accepts a body right at the limit', async () => {
      const json = JSON.stringify({ displayName: 'at-the-limit', createSecret: false });
      const answer = await api('POST', '/applications', json + ' '.repeat(MAX_BODY_BYTES - json.length));
      expect(answer.status).toBe(201);
    });
  });

  describe('415 Unsupported Media Type', () => {
    it.each(['text/plain', 'application/x-www-form-urlencoded', 'text/json'])(
      'refuses a body sent as %s, calling nothing',
      async (contentType) => {
        await clearGraphLog();
        const answer = await api('POST', '/applications', '{"displayName":"x"}', { 'content-type': contentType });
        expect(answer.status).toBe(415);
        expect(answer.contentType).toBe('application/problem+json');
        expect(answer.body).toMatchObject({
          type: 'urn:entra-app-vending:problem:UnsupportedMediaType',
          title: 'Unsupported Media Type',
          status: 415,
        });
        expect(await graphCalls()).toEqual([]);
      },
    );

    it('still takes an empty body of any type where every field is optional', async () => {
      const created = await api<CreatedApplication>('POST', '/applications', {
        displayName: 'empty-body',
        createSecret: false,
      });
      expect(created.status).toBe(201);
      const added = await api('POST', `/applications/${created.body.application.appId}/secrets`, undefined, {
        'content-type': 'text/plain',
      });
      expect(added.status).toBe(201);
    });
  });

  describe('a lifetime beyond the policy maximum', () => {
    // The sandbox's maximum is the default, 180 days; 3651 was the schema's old sanity bound (a 400 naming 3650).
    it.each(['181', '3651', '100000', '9007199254740993', '1e308', '1e400'])(
      'lifetimeDays %s is a 422 naming the maximum, calling nothing',
      async (days) => {
        await clearGraphLog();
        const body = `{"displayName":"too-long","secret":{"lifetimeDays":${days}}}`;
        const answer = await api('POST', '/applications', body);
        expect(answer.status).toBe(422);
        expect(answer.body).toMatchObject({
          type: 'urn:entra-app-vending:problem:LifetimePolicyViolation',
          maxLifetimeDays: 180,
        });
        expect(String(answer.body.detail)).toContain('maximum of 180 days');
        expect(await graphCalls()).toEqual([]);
      },
    );
  });

  describe('createSecret, the connector’s way to ask for no secret', () => {
    it('creates the app without a secret, and refuses it beside a described secret', async () => {
      const created = await api<CreatedApplication>('POST', '/applications', {
        displayName: 'no-secret',
        createSecret: false,
      });
      expect(created.status).toBe(201);
      expect(created.body.secret).toBeNull();
      const contradiction = await api<{ errors: { pointer: string }[] }>('POST', '/applications', {
        displayName: 'contradiction',
        createSecret: false,
        secret: { lifetimeDays: 7 },
      });
      expect(contradiction.status).toBe(400);
      expect(contradiction.body.errors.map((e) => e.pointer)).toEqual(['/createSecret']);
    });
  });

  describe('the description documents, as the Logic Apps designer reads them from the browser', () => {
    const ORIGIN = 'https://portal.azure.com';

    it.each(['/openapi.json', '/connector/swagger.json'])(
      '%s answers a CORS preflight and a cross-origin GET',
      async (path) => {
        const preflight = await fetch(`${sandbox().apiBaseUrl}${path}`, {
          method: 'OPTIONS',
          headers: {
            origin: ORIGIN,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'x-ms-client-request-id',
          },
        });
        expect(preflight.status).toBe(204);
        expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
        expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, OPTIONS');
        expect(preflight.headers.get('access-control-allow-headers')).toBe('x-ms-client-request-id');
        const document = await api('GET', path, undefined, { origin: ORIGIN });
        expect(document.status).toBe(200);
        expect(document.headers.get('access-control-allow-origin')).toBe('*');
      },
    );

    it('serves a connector document aimed at this host that passes Microsoft’s connector schema', async () => {
      const document = await api<{ host: string; schemes: string[]; basePath: string }>(
        'GET',
        '/connector/swagger.json',
      );
      const url = new URL(sandbox().apiBaseUrl);
      expect(document.body).toMatchObject({ host: url.host, schemes: ['http'], basePath: '/api' });
      expect(schemaErrors(connectorDefinitionValidator(), document.body)).toEqual([]);
      expect(JSON.stringify(document.body)).toContain(sandbox().endpoints.tenantId);
    });

    it('keeps CORS off the vending routes', async () => {
      const preflight = await fetch(`${sandbox().apiBaseUrl}/applications`, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
      });
      expect(preflight.status).toBe(405);
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
