import { HttpRequest } from '@azure/functions';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FieldProblem, InvalidRequestError, VendingError } from '../vending/errors';

/** Largest body accepted; ours are tiny, so anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 16 * 1024;

const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false });
addFormats(ajv);

/** Compiles a schema once; keep the result at module level. */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

function toFieldProblem(error: ErrorObject): FieldProblem {
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return { pointer: `${error.instancePath}/${extra}`, detail: 'is not a known field' };
  }
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return { pointer: `${error.instancePath}/${missing}`, detail: 'is required' };
  }
  return { pointer: error.instancePath || '/', detail: error.message ?? 'is invalid' };
}

/** The field problems of a failed validation, one per pointer, without oneOf noise. */
export function fieldProblems(errors: readonly ErrorObject[]): FieldProblem[] {
  const relevant = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if');
  const mapped = relevant.map((error) => ({ keyword: error.keyword, problem: toFieldProblem(error) }));
  const seen = new Map<string, FieldProblem>();
  for (const { keyword, problem } of mapped) {
    // A failed oneOf reports every branch; a type/enum miss is noise when a deeper field says what is wrong.
    const deeper = mapped.some((other) => other.problem.pointer.startsWith(`${problem.pointer}/`));
    if ((keyword === 'type' || keyword === 'enum') && deeper) continue;
    if (!seen.has(problem.pointer)) seen.set(problem.pointer, problem);
  }
  return [...seen.values()];
}

/** The body is larger than {@link MAX_BODY_BYTES}: 413, with the limit in the problem. */
export class ContentTooLargeError extends VendingError {
  readonly status = 413;
  readonly code = 'ContentTooLarge';
  constructor(readonly maxBodyBytes: number) {
    super(`The body is larger than ${maxBodyBytes} bytes.`, { maxBodyBytes });
  }
}

/** The body is not sent as JSON: 415. */
export class UnsupportedMediaTypeError extends VendingError {
  readonly status = 415;
  readonly code = 'UnsupportedMediaType';
  constructor() {
    super('The body must be JSON, sent with content-type application/json.');
  }
}

/**
 * JSON numbers beyond a double's range (1e400) parse as ±Infinity, which no schema accepts; read them as the largest
 * double of their sign instead, so such a number is judged by its size like any other (a lifetime past the maximum is
 * the policy's 422, not a type error).
 */
function finiteNumbers(_key: string, value: unknown): unknown {
  if (value === Infinity) return Number.MAX_VALUE;
  if (value === -Infinity) return -Number.MAX_VALUE;
  return value;
}

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/**
 * Reads the body as bytes, at most `limit` of them: a declared `Content-Length` above the limit is refused before
 * anything is read, and a body that streams past the limit (chunked, or lying about its length) is refused as soon as
 * it does, its stream cancelled. So an oversized body costs at most one chunk of memory beyond the limit.
 */
export async function readBodyBytes(request: HttpRequest, limit: number = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit) {
    throw new ContentTooLargeError(limit);
  }
  if (request.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early (the throw) cancels the stream: nothing more is read.
  for await (const chunk of request.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new ContentTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads a JSON body and validates it. An empty body counts as `emptyAs` when it is given (for routes whose fields are
 * all optional). Throws {@link ContentTooLargeError} (413) past {@link MAX_BODY_BYTES},
 * {@link UnsupportedMediaTypeError} (415) for a body that is not sent as JSON, and {@link InvalidRequestError} (400)
 * naming each bad field.
 */
export async function readJsonBody<T>(request: HttpRequest, validate: ValidateFunction<T>, emptyAs?: T): Promise<T> {
  const text = (await readBodyBytes(request)).toString('utf8');
  if (text.trim() === '') {
    if (emptyAs !== undefined) return emptyAs;
    throw new InvalidRequestError('A JSON body is required.');
  }
  if (!JSON_MEDIA_TYPE.test(request.headers.get('content-type') ?? '')) throw new UnsupportedMediaTypeError();
  let body: unknown;
  try {
    body = JSON.parse(text, finiteNumbers);
  } catch {
    throw new InvalidRequestError('The body is not valid JSON.');
  }
  if (!validate(body)) {
    const problems = fieldProblems(validate.errors ?? []);
    throw new InvalidRequestError(
      `The body is invalid: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}.`,
      problems,
    );
  }
  return body;
}
