import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const schemas = resolve(__dirname, '..', '..', 'connector', 'schemas');

/** JSON with `//` and block comments, as Microsoft's connector schemas are written: comments outside strings go. */
export function parseJsonWithComments(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1;
    } else {
      out += c;
    }
  }
  return JSON.parse(out);
}

function load(name: string): object {
  return parseJsonWithComments(readFileSync(resolve(schemas, name), 'utf8')) as object;
}

// strict: false — the schemas carry editor hints (defaultSnippets, examples) that are not validation keywords.
let definitionValidator: ValidateFunction | undefined;
let propertiesValidator: ValidateFunction | undefined;

/** Microsoft's schema of a connector's apiDefinition.swagger.json (draft-04), compiled once. */
export function connectorDefinitionValidator(): ValidateFunction {
  if (!definitionValidator) {
    const ajv = new Ajv04({ allErrors: true, strict: false });
    addFormats(ajv);
    definitionValidator = ajv.compile(load('apiDefinition.swagger.schema.json'));
  }
  return definitionValidator;
}

/** Microsoft's schema of a connector's apiProperties.json (draft-07), compiled once. */
export function connectorPropertiesValidator(): ValidateFunction {
  if (!propertiesValidator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    // Draft-07 by its $schema, yet it names itself with draft-04's `id`, which ajv 8 refuses: read as `$id`.
    const { id, ...schema } = load('paconn-apiProperties.schema.json') as { id?: string };
    propertiesValidator = ajv.compile({ ...schema, ...(id ? { $id: id } : {}) });
  }
  return propertiesValidator;
}

/** Every error of validating `document`, as `path message` lines (empty when it is valid). */
export function schemaErrors(validate: ValidateFunction, document: unknown): string[] {
  validate(document);
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}
