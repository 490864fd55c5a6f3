import { HttpRequest } from '@azure/functions';
import { InvalidRequestError } from '../vending/errors';
import { isGuid } from '../vending/units';

/** Reads a GUID path parameter (appId, keyId), refusing anything else before a Graph call is made. */
export function guidParameter(request: HttpRequest, name: 'appId' | 'keyId'): string {
  const value = request.params[name] ?? '';
  if (!isGuid(value)) {
    throw new InvalidRequestError(`${name} must be a GUID.`, [{ pointer: `#/path/${name}`, detail: 'must be a GUID' }]);
  }
  return value.toLowerCase();
}
