import { HttpResponseInit } from '@azure/functions';
import { describeErrorForLog, errorToResponse, PROBLEM_CONTENT_TYPE } from '../../../src/http/problem';
import {
  InvalidRequestError,
  LifetimePolicyError,
  NotFoundError,
  TenantPolicyError,
  UpstreamFailureError,
  UpstreamUnavailableError,
  VendingError,
} from '../../../src/vending/errors';

const CORRELATION_ID = 'c0ffee00-1111-4222-8333-444455556666';
const SECRET = 'Zq8~not.a.real.secret_value-4f7e1b2c9d';
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJl';

function parse(response: HttpResponseInit): Record<string, unknown> {
  expect(typeof response.body).toBe('string');
  return JSON.parse(response.body as string) as Record<string, unknown>;
}

function headers(response: HttpResponseInit): Record<string, string> {
  return response.headers as Record<string, string>;
}

describe('errorToResponse', () => {
  it.each<[string, VendingError, number, string]>([
    [
      'InvalidRequestError',
      new InvalidRequestError('bad body', [{ pointer: '/x', detail: 'is wrong' }]),
      400,
      'Bad Request',
    ],
    ['LifetimePolicyError', new LifetimePolicyError('too long, max 180 days', 180), 422, 'Unprocessable Content'],
    ['TenantPolicyError', new TenantPolicyError('tenant allows less'), 422, 'Unprocessable Content'],
    ['NotFoundError', new NotFoundError('no such app'), 404, 'Not Found'],
    [
      'UpstreamUnavailableError 429',
      new UpstreamUnavailableError('throttled', 429, 12, 'graph'),
      429,
      'Too Many Requests',
    ],
    [
      'UpstreamUnavailableError 503',
      new UpstreamUnavailableError('down', 503, 30, 'keyVault'),
      503,
      'Service Unavailable',
    ],
    [
      'UpstreamFailureError',
      new UpstreamFailureError('graph refused', 'graph', 'Authorization_RequestDenied'),
      502,
      'Bad Gateway',
    ],
  ])('%s → %i problem+json', (_name, error, status, title) => {
    const response = errorToResponse(error, CORRELATION_ID);
    expect(response.status).toBe(status);
    expect(headers(response)['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
    const body = parse(response);
    expect(body.status).toBe(status);
    expect(body.title).toBe(title);
    expect(body.detail).toBe(error.message);
    expect(body.correlationId).toBe(CORRELATION_ID);
    expect(typeof body.type).toBe('string');
    expect(body.type).toContain(error.code);
  });

  it('gives each error code its own problem type', () => {
    const types = [
      new InvalidRequestError('a'),
      new LifetimePolicyError('b', 1),
      new TenantPolicyError('c'),
      new NotFoundError('d'),
      new UpstreamUnavailableError('e', 429, 1, 'graph'),
      new UpstreamFailureError('f', 'graph', undefined),
    ].map((e) => parse(errorToResponse(e, CORRELATION_ID)).type);
    expect(new Set(types).size).toBe(types.length);
  });

  it('lists the field problems of an InvalidRequestError', () => {
    const errors = [
      { pointer: '/displayName', detail: 'is too long' },
      { pointer: '/colour', detail: 'is not a known field' },
    ];
    const body = parse(errorToResponse(new InvalidRequestError('bad', errors), CORRELATION_ID));
    expect(body.errors).toEqual(errors);
  });

  it('has no errors member when an InvalidRequestError names no field', () => {
    const body = parse(errorToResponse(new InvalidRequestError('not JSON'), CORRELATION_ID));
    expect(body).not.toHaveProperty('errors');
  });

  it('carries maxLifetimeDays for a LifetimePolicyError', () => {
    const body = parse(errorToResponse(new LifetimePolicyError('too long', 180), CORRELATION_ID));
    expect(body.maxLifetimeDays).toBe(180);
  });

  it.each([
    [429 as const, 7],
    [503 as const, 120],
  ])('sets retry-after (seconds) for UpstreamUnavailableError %i', (status, seconds) => {
    const response = errorToResponse(new UpstreamUnavailableError('wait', status, seconds, 'graph'), CORRELATION_ID);
    expect(headers(response)['retry-after']).toBe(String(seconds));
  });

  it('sets no retry-after for other errors', () => {
    for (const error of [
      new NotFoundError('x'),
      new UpstreamFailureError('x', 'keyVault', 'Forbidden'),
      new Error('x'),
    ]) {
      expect(headers(errorToResponse(error, CORRELATION_ID))).not.toHaveProperty('retry-after');
    }
  });

  it('turns an unknown Error into a 500 that does not repeat its message', () => {
    const error = new Error(`Request failed: Authorization: Bearer ${TOKEN} body {"secretText":"${SECRET}"}`);
    const response = errorToResponse(error, CORRELATION_ID);
    expect(response.status).toBe(500);
    expect(headers(response)['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    const text = response.body as string;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('Bearer');
    const body = parse(response);
    expect(body).toMatchObject({ status: 500, title: 'Internal Server Error', correlationId: CORRELATION_ID });
  });

  it.each([
    ['a string', `token=${TOKEN}`],
    ['an object', { message: SECRET, token: TOKEN }],
    ['null', null],
    ['undefined', undefined],
  ])('turns a thrown non-Error (%s) into a 500 without its content', (_label, thrown) => {
    const response = errorToResponse(thrown, CORRELATION_ID);
    expect(response.status).toBe(500);
    expect(response.body as string).not.toContain(SECRET);
    expect(response.body as string).not.toContain(TOKEN);
    expect(parse(response).correlationId).toBe(CORRELATION_ID);
  });

  it('treats an Error that merely looks like a domain error (status, code) as unknown', () => {
    const impostor = Object.assign(new Error(`leaked ${SECRET}`), { status: 404, code: 'NotFound' });
    const response = errorToResponse(impostor, CORRELATION_ID);
    expect(response.status).toBe(500);
    expect(response.body as string).not.toContain(SECRET);
  });
});

describe('describeErrorForLog', () => {
  it('keeps name, code, status and upstream facts only', () => {
    const sdkError = Object.assign(new Error(`PUT failed with body {"value":"${SECRET}"}`), {
      name: 'RestError',
      code: 'Forbidden',
      statusCode: 403,
      request: {
        url: 'https://kv/secrets/x',
        body: JSON.stringify({ value: SECRET }),
        headers: { authorization: `Bearer ${TOKEN}` },
      },
      response: { bodyAsText: `{"error":{"message":"${SECRET}"}}`, headers: { 'x-ms-request-id': 'r' } },
    });
    const described = describeErrorForLog(sdkError);
    expect(described).toEqual({
      name: 'RestError',
      code: 'Forbidden',
      status: 403,
      upstream: undefined,
      upstreamCode: undefined,
    });
    const text = JSON.stringify(described);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
  });

  it('describes domain errors by class, code, status and upstream', () => {
    const described = describeErrorForLog(
      new UpstreamFailureError('graph refused', 'graph', 'Authorization_RequestDenied'),
    );
    expect(described).toEqual({
      name: 'UpstreamFailureError',
      code: 'UpstreamFailure',
      status: 502,
      upstream: 'graph',
      upstreamCode: 'Authorization_RequestDenied',
    });
  });

  it('never includes the message, even of a plain Error', () => {
    const described = describeErrorForLog(new Error(`token ${TOKEN}`));
    expect(JSON.stringify(described)).not.toContain(TOKEN);
    expect(described.name).toBe('Error');
  });

  it('ignores non-string fields that could carry data', () => {
    const described = describeErrorForLog({ name: { secret: SECRET }, code: [SECRET], status: '500', upstream: 7 });
    expect(JSON.stringify(described)).not.toContain(SECRET);
    expect(described).toEqual({
      name: 'Error',
      code: undefined,
      status: undefined,
      upstream: undefined,
      upstreamCode: undefined,
    });
  });

  it.each([
    ['string', `secret ${SECRET}`],
    ['number', 42],
    ['undefined', undefined],
  ])('describes a thrown %s by its type only', (type, thrown) => {
    expect(describeErrorForLog(thrown)).toEqual({ name: type });
  });

  it('describes null without crashing', () => {
    expect(typeof describeErrorForLog(null).name).toBe('string');
  });
});
