import { HttpRequest, HttpRequestInit } from '@azure/functions';
import {
  compileSchema,
  ContentTooLargeError,
  MAX_BODY_BYTES,
  readBodyBytes,
  readJsonBody,
  UnsupportedMediaTypeError,
} from '../../../src/http/requestBody';
import { errorToResponse } from '../../../src/http/problem';
import { createApplicationRequestSchema, secretRequestSchema } from '../../../src/http/schemas';
import { CreateApplicationRequest } from '../../../src/vending/createApplication';
import { InvalidRequestError } from '../../../src/vending/errors';
import { SecretRequest } from '../../../src/vending/issueSecret';

const validateSecret = compileSchema<SecretRequest>(secretRequestSchema);
const validateCreate = compileSchema<CreateApplicationRequest>(createApplicationRequestSchema);

function post(body: string | undefined, contentType: string | null = 'application/json'): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/x',
    headers: contentType === null ? {} : { 'content-type': contentType },
    ...(body === undefined ? {} : { body: { string: body } }),
  });
}

async function rejection(promise: Promise<unknown>): Promise<InvalidRequestError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).status).toBe(400);
    return error as InvalidRequestError;
  }
  throw new Error('expected readJsonBody to reject');
}

const pointers = (error: InvalidRequestError) => error.errors.map((e) => e.pointer).sort();

/** The error a promise rejects with, checked to be of `type`. */
async function refusal<E>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

describe('readJsonBody with the create-application schema', () => {
  it('accepts a full valid body as is', async () => {
    const body = {
      displayName: 'Payments API',
      description: 'for CI',
      createServicePrincipal: false,
      secret: { displayName: 'ci', lifetimeDays: 30, startDateTime: '2026-06-01T00:00:00+02:00' },
    };
    await expect(readJsonBody(post(JSON.stringify(body)), validateCreate)).resolves.toEqual(body);
  });

  it('accepts secret: false', async () => {
    await expect(readJsonBody(post('{"displayName":"x","secret":false}'), validateCreate)).resolves.toEqual({
      displayName: 'x',
      secret: false,
    });
  });

  it('refuses secret: true', async () => {
    const error = await rejection(readJsonBody(post('{"displayName":"x","secret":true}'), validateCreate));
    expect(pointers(error)).toEqual(['/secret']);
  });

  it('refuses an unknown field, naming it in the pointer', async () => {
    const error = await rejection(readJsonBody(post('{"displayName":"x","colour":"blue"}'), validateCreate));
    expect(error.errors).toEqual([{ pointer: '/colour', detail: expect.any(String) as string }]);
    expect(error.message).toContain('/colour');
  });

  it('refuses an unknown field inside the secret, naming its full path', async () => {
    const error = await rejection(readJsonBody(post('{"displayName":"x","secret":{"value":"mine"}}'), validateCreate));
    expect(pointers(error)).toContain('/secret/value');
  });

  it('refuses a missing displayName', async () => {
    const error = await rejection(readJsonBody(post('{"description":"x"}'), validateCreate));
    expect(pointers(error)).toEqual(['/displayName']);
  });

  it('refuses a displayName longer than 120 characters and accepts exactly 120', async () => {
    await expect(readJsonBody(post(JSON.stringify({ displayName: 'a'.repeat(120) })), validateCreate)).resolves.toEqual(
      {
        displayName: 'a'.repeat(120),
      },
    );
    const error = await rejection(readJsonBody(post(JSON.stringify({ displayName: 'a'.repeat(121) })), validateCreate));
    expect(pointers(error)).toEqual(['/displayName']);
  });

  it('refuses wrong types, naming every bad field at once', async () => {
    const error = await rejection(
      readJsonBody(post('{"displayName":42,"createServicePrincipal":"yes","description":[]}'), validateCreate),
    );
    expect(pointers(error)).toEqual(['/createServicePrincipal', '/description', '/displayName']);
  });

  it('refuses a body that is not an object', async () => {
    for (const text of ['[]', '"x"', '42', 'null']) {
      const error = await rejection(readJsonBody(post(text), validateCreate));
      expect(error.errors.length).toBeGreaterThan(0);
    }
  });

  it('refuses an empty body when no emptyAs is given', async () => {
    await rejection(readJsonBody(post(''), validateCreate));
  });

  it('does not fill in defaults (createServicePrincipal stays absent)', async () => {
    const body = await readJsonBody(post('{"displayName":"x"}'), validateCreate);
    expect(body).toEqual({ displayName: 'x' });
  });
});

describe('readJsonBody with the secret schema', () => {
  it.each([
    ['a date without time zone', { endDateTime: '2026-06-01T00:00:00' }, '/endDateTime'],
    ['a date only', { startDateTime: '2026-06-01' }, '/startDateTime'],
    ['an impossible date', { endDateTime: '2026-02-30T00:00:00Z' }, '/endDateTime'],
    ['not a date', { endDateTime: 'next tuesday' }, '/endDateTime'],
    ['a fractional lifetime', { lifetimeDays: 1.5 }, '/lifetimeDays'],
    ['a zero lifetime', { lifetimeDays: 0 }, '/lifetimeDays'],
    ['a lifetime as a string', { lifetimeDays: '30' }, '/lifetimeDays'],
    ['a slot with a space', { displayName: 'my slot' }, '/displayName'],
    ['a slot starting with a dash', { displayName: '-x' }, '/displayName'],
    ['a slot of 65 characters', { displayName: 'a'.repeat(65) }, '/displayName'],
    ['an unknown field', { secretText: 'mine' }, '/secretText'],
  ])('refuses %s', async (_label, body, pointer) => {
    const error = await rejection(readJsonBody(post(JSON.stringify(body)), validateSecret, {}));
    expect(pointers(error)).toEqual([pointer]);
  });

  it('reads a number beyond the range of a double as the largest double of its sign, not as Infinity', async () => {
    await expect(readJsonBody(post('{"lifetimeDays":1e400}'), validateSecret, {})).resolves.toEqual({
      lifetimeDays: Number.MAX_VALUE,
    });
    const error = await rejection(readJsonBody(post('{"lifetimeDays":-1e400}'), validateSecret, {}));
    expect(pointers(error)).toEqual(['/lifetimeDays']);
  });

  it('accepts date-times with Z or an offset', async () => {
    const body = {
      startDateTime: '2026-06-01T05:30:00+05:30',
      endDateTime: '2026-07-01T00:00:00Z',
      displayName: 'A-1',
    };
    await expect(readJsonBody(post(JSON.stringify(body)), validateSecret, {})).resolves.toEqual(body);
  });

  it('returns emptyAs for an empty or blank body, whatever the content type', async () => {
    const empty = {};
    await expect(readJsonBody(post(''), validateSecret, empty)).resolves.toBe(empty);
    await expect(readJsonBody(post('  \n'), validateSecret, empty)).resolves.toBe(empty);
    await expect(readJsonBody(post(undefined, null), validateSecret, empty)).resolves.toBe(empty);
  });

  it('still validates a non-empty body when emptyAs is given', async () => {
    await rejection(readJsonBody(post('{"lifetimeDays":-1}'), validateSecret, {}));
  });
});

describe('readJsonBody: transport checks', () => {
  it('refuses text that is not JSON', async () => {
    const error = await rejection(readJsonBody(post('{"displayName": "x",}'), validateCreate));
    expect(error.errors).toEqual([]);
    expect(error.message).toMatch(/JSON/);
  });

  it.each([null, 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'text/json'])(
    'refuses content type %p with a 415',
    async (contentType) => {
      const error = await refusal(
        readJsonBody(post('{"displayName":"x"}', contentType), validateCreate),
        UnsupportedMediaTypeError,
      );
      expect(error.status).toBe(415);
      expect(error.message).toMatch(/content-type application\/json/i);
    },
  );

  it('answers a 415 as problem+json with its own problem type', () => {
    const response = errorToResponse(new UnsupportedMediaTypeError(), 'corr-1');
    expect(response.status).toBe(415);
    expect(JSON.parse(response.body as string)).toMatchObject({
      type: 'urn:entra-app-vending:problem:UnsupportedMediaType',
      title: 'Unsupported Media Type',
      status: 415,
      correlationId: 'corr-1',
    });
  });

  it('refuses an empty body with a 400 when the route needs one, whatever the content type', async () => {
    for (const contentType of [null, 'text/plain', 'application/json']) {
      const error = await rejection(readJsonBody(post('', contentType), validateCreate));
      expect(error.message).toMatch(/body is required/);
    }
  });

  it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
    'accepts content type %p',
    async (contentType) => {
      await expect(readJsonBody(post('{"displayName":"x"}', contentType), validateCreate)).resolves.toEqual({
        displayName: 'x',
      });
    },
  );

  it('accepts a body of exactly 16 KiB and refuses one byte more with a 413', async () => {
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    const json = '{"displayName":"x"}';
    const exact = json + ' '.repeat(16 * 1024 - json.length);
    await expect(readJsonBody(post(exact), validateCreate)).resolves.toEqual({ displayName: 'x' });
    const error = await refusal(readJsonBody(post(`${exact} `), validateCreate), ContentTooLargeError);
    expect(error.status).toBe(413);
    expect(error.maxBodyBytes).toBe(16 * 1024);
    expect(error.message).toContain(String(16 * 1024));
  });

  it('answers a 413 as problem+json with its own problem type and the limit', () => {
    const response = errorToResponse(new ContentTooLargeError(MAX_BODY_BYTES), 'corr-2');
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body as string)).toMatchObject({
      type: 'urn:entra-app-vending:problem:ContentTooLarge',
      title: 'Content Too Large',
      status: 413,
      maxBodyBytes: MAX_BODY_BYTES,
    });
  });

  it('counts bytes, not characters: 16 KiB of multi-byte text is refused', async () => {
    // 6 000 three-byte characters: 18 000 bytes in UTF-8, well under 16 384 characters.
    const description = '€'.repeat(6_000);
    const text = JSON.stringify({ displayName: 'x', description });
    expect(text.length).toBeLessThan(16 * 1024);
    await refusal(readJsonBody(post(text), validateCreate), ContentTooLargeError);
  });

  it('refuses an oversized body even when emptyAs is given, and whatever its content type', async () => {
    await refusal(readJsonBody(post(' '.repeat(16 * 1024 + 1)), validateSecret, {}), ContentTooLargeError);
    await refusal(
      readJsonBody(post('x'.repeat(16 * 1024 + 1), 'text/plain'), validateSecret, {}),
      ContentTooLargeError,
    );
  });
});

/** A request whose body is `total` bytes streamed in `chunk`-byte pieces, counting what the reader pulled. */
function streamedPost(total: number, chunk: number, headers: Record<string, string> = {}) {
  const pulled = { bytes: 0, cancelled: false };
  let sent = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) return controller.close();
        const size = Math.min(chunk, total - sent);
        sent += size;
        pulled.bytes += size;
        controller.enqueue(new Uint8Array(size).fill(0x20));
      },
      cancel() {
        pulled.cancelled = true;
      },
    },
    // No read-ahead: a chunk is made only when the reader asks for it.
    { highWaterMark: 0 },
  );
  // As the library's streaming path (and the sandbox host) builds it: a fetch Request around the body stream.
  const nativeRequest = new Request('http://localhost/api/x', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  });
  const request = new HttpRequest({ nativeRequest } as unknown as HttpRequestInit);
  return { request, pulled };
}

describe('readBodyBytes: the cap holds before and while reading', () => {
  it('refuses a declared Content-Length above the limit without reading a byte', async () => {
    const { request, pulled } = streamedPost(10 * 1024 * 1024, 64 * 1024, {
      'content-length': String(10 * 1024 * 1024),
    });
    await refusal(readBodyBytes(request), ContentTooLargeError);
    expect(pulled.bytes).toBe(0);
  });

  it('stops reading a 10 MB body sent without a length (chunked) one chunk past the limit, and cancels it', async () => {
    const { request, pulled } = streamedPost(10 * 1024 * 1024, 4 * 1024);
    await refusal(readBodyBytes(request), ContentTooLargeError);
    expect(pulled.bytes).toBeLessThanOrEqual(MAX_BODY_BYTES + 4 * 1024);
    expect(pulled.cancelled).toBe(true);
  });

  it('stops a body that lies about its length as soon as it passes the limit', async () => {
    const { request, pulled } = streamedPost(10 * 1024 * 1024, 4 * 1024, { 'content-length': '100' });
    await refusal(readBodyBytes(request), ContentTooLargeError);
    expect(pulled.bytes).toBeLessThanOrEqual(MAX_BODY_BYTES + 4 * 1024);
  });

  it('reads a body within the limit whole, in order', async () => {
    const { request, pulled } = streamedPost(10_000, 3_000);
    const bytes = await readBodyBytes(request);
    expect(bytes.length).toBe(10_000);
    expect(pulled.bytes).toBe(10_000);
  });

  it.each(['abc', '-1', '1e9', ''])(
    'ignores a Content-Length of %p that is not a number and reads capped',
    async (length) => {
      const { request } = streamedPost(100, 50, { 'content-length': length });
      await expect(readBodyBytes(request)).resolves.toHaveLength(100);
    },
  );
});

describe('readJsonBody names the field, not the oneOf branch', () => {
  it('reports only /secret/value for an unknown field inside secret', async () => {
    const validate = compileSchema<CreateApplicationRequest>(createApplicationRequestSchema);
    const error = await rejection(
      readJsonBody(post(JSON.stringify({ displayName: 'x', secret: { value: 'mine' } })), validate),
    );
    expect(pointers(error)).toEqual(['/secret/value']);
  });
});
