import { HttpRequest } from '@azure/functions';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { FieldProblem, InvalidRequestError } from '../vending/errors';

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

/**
 * Reads a JSON body and validates it. An empty body counts as `{}` when `emptyAs` is given (for routes whose
 * fields are all optional). Throws {@link InvalidRequestError} naming each bad field.
 */
export async function readJsonBody<T>(request: HttpRequest, validate: ValidateFunction<T>, emptyAs?: T): Promise<T> {
  const contentType = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new InvalidRequestError(`The body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  if (text.trim() === '' && emptyAs !== undefined) return emptyAs;
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new InvalidRequestError('The body must be JSON, sent with content-type application/json.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
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
