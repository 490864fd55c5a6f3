import { HttpRequest } from '@azure/functions';
import { compileSchema, MAX_BODY_BYTES, readJsonBody } from '../../../src/http/requestBody';
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
    'refuses content type %p',
    async (contentType) => {
      const error = await rejection(readJsonBody(post('{"displayName":"x"}', contentType), validateCreate));
      expect(error.message).toMatch(/content-type/i);
    },
  );

  it.each(['application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'])(
    'accepts content type %p',
    async (contentType) => {
      await expect(readJsonBody(post('{"displayName":"x"}', contentType), validateCreate)).resolves.toEqual({
        displayName: 'x',
      });
    },
  );

  it('accepts a body of exactly 16 KiB and refuses one byte more', async () => {
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    const json = '{"displayName":"x"}';
    const exact = json + ' '.repeat(16 * 1024 - json.length);
    await expect(readJsonBody(post(exact), validateCreate)).resolves.toEqual({ displayName: 'x' });
    const error = await rejection(readJsonBody(post(`${exact} `), validateCreate));
    expect(error.message).toContain(String(16 * 1024));
  });

  it('counts bytes, not characters: 16 KiB of multi-byte text is refused', async () => {
    // 6 000 three-byte characters: 18 000 bytes in UTF-8, well under 16 384 characters.
    const description = '€'.repeat(6_000);
    const text = JSON.stringify({ displayName: 'x', description });
    expect(text.length).toBeLessThan(16 * 1024);
    await rejection(readJsonBody(post(text), validateCreate));
  });

  it('refuses an oversized body even when emptyAs is given', async () => {
    await rejection(readJsonBody(post(' '.repeat(16 * 1024 + 1)), validateSecret, {}));
  });
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
