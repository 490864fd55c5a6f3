import { HttpRequest } from '@azure/functions';
import { Call } from './httpFunction';
import { guidParameter } from './pathParameters';

/**
 * `{appId}` of a route on one app (a GUID, else 400), named at once as what the request concerns, so even a refusal
 * from here on is on the app's audit record.
 */
export function readAppId(request: HttpRequest, call: Call): string {
  const appId = guidParameter(request, 'appId');
  call.target.appId = appId;
  return appId;
}

/** `{appId}` and `{keyId}` of a route on one credential of an app (GUIDs, else 400), both named as its target. */
export function readCredentialIds(request: HttpRequest, call: Call): { appId: string; keyId: string } {
  const appId = readAppId(request, call);
  const keyId = guidParameter(request, 'keyId');
  call.target.keyId = keyId;
  return { appId, keyId };
}
