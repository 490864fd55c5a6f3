import { HttpFunctionOptions, InvocationContext, Timer, TimerFunctionOptions } from '@azure/functions';
import { addCertificate } from './functions/addCertificate';
import { addSecret } from './functions/addSecret';
import { getApplicationOwners } from './functions/getApplicationOwners';
import { createApplication } from './functions/createApplication';
import { expiryScan } from './functions/expiryScan';
import { getRotation } from './functions/getRotation';
import { latestScan } from './functions/latestScan';
import { setRotation } from './functions/setRotation';
import { startScan } from './functions/startScan';
import { health } from './functions/health';
import { listApplications } from './functions/listApplications';
import { listCertificates } from './functions/listCertificates';
import { setApplicationOwners } from './functions/setApplicationOwners';
import { listSecrets } from './functions/listSecrets';
import { connectorDefinition } from './functions/connectorDefinition';
import { openApi } from './functions/openApi';
import { purgeIdempotencyRecords } from './functions/purgeIdempotencyRecords';
import { readAudit } from './functions/readAudit';
import { revokeCertificate } from './functions/revokeCertificate';
import { revokeSecret } from './functions/revokeSecret';
import { withCors } from './http/cors';
import { HttpFunctionDefinition, toHttpHandler } from './http/httpFunction';
import { routes } from './http/routes';
import { Services } from './services';

/** What registers functions: `app` from `@azure/functions` in the host, a recorder in the sandbox and in tests. */
export interface FunctionHost {
  http(name: string, options: HttpFunctionOptions): void;
  timer(name: string, options: TimerFunctionOptions): void;
}

/** One function of the app: an HTTP route with its handler, or a timer with its schedule and handler. */
export type FunctionDefinition =
  | HttpFunctionDefinition
  | {
      kind: 'timer';
      name: string;
      /** NCRONTAB, or `%SETTING%` to read it from an app setting, as the host does. */
      schedule: string;
      handler: (timer: Timer, context: InvocationContext, services: Services) => Promise<void>;
    };

/** Every function the app has, in one explicit list. The bundle and the sandbox both register exactly these. */
export const functionList: readonly FunctionDefinition[] = [
  { kind: 'http', route: routes.createApplication, handler: createApplication },
  { kind: 'http', route: routes.listApplications, handler: listApplications },
  { kind: 'http', route: routes.addSecret, handler: addSecret },
  { kind: 'http', route: routes.listSecrets, handler: listSecrets },
  { kind: 'http', route: routes.revokeSecret, handler: revokeSecret },
  { kind: 'http', route: routes.addCertificate, handler: addCertificate },
  { kind: 'http', route: routes.listCertificates, handler: listCertificates },
  { kind: 'http', route: routes.revokeCertificate, handler: revokeCertificate },
  { kind: 'http', route: routes.getApplicationOwners, handler: getApplicationOwners },
  { kind: 'http', route: routes.setApplicationOwners, handler: setApplicationOwners },
  { kind: 'http', route: routes.getRotation, handler: getRotation },
  { kind: 'http', route: routes.setRotation, handler: setRotation },
  { kind: 'http', route: routes.startScan, handler: startScan },
  { kind: 'http', route: routes.latestScan, handler: latestScan },
  { kind: 'http', route: routes.openApi, handler: openApi },
  { kind: 'http', route: routes.connectorDefinition, handler: connectorDefinition },
  { kind: 'http', route: routes.health, handler: health },
  { kind: 'http', route: routes.readAudit, handler: readAudit },
  {
    kind: 'timer',
    name: 'purgeIdempotencyRecords',
    schedule: '%IDEMPOTENCY_PURGE_SCHEDULE%',
    handler: purgeIdempotencyRecords,
  },
  // The schedule is read from the app setting by the host; no runOnStartup (a restart must not start a scan).
  { kind: 'timer', name: 'expiryScan', schedule: '%EXPIRY_SCAN_SCHEDULE%', handler: expiryScan },
];

/** Registers every function of `functions` with `host`, binding `services` into each handler. */
export function registerFunctions(
  host: FunctionHost,
  services: Services,
  functions: readonly FunctionDefinition[] = functionList,
): void {
  for (const fn of functions) {
    if (fn.kind === 'http') {
      const handler = toHttpHandler(fn, services);
      host.http(fn.route.name, {
        // A cross-origin route also answers the browser's preflight.
        methods: fn.route.cors ? [...fn.route.methods, 'OPTIONS'] : [...fn.route.methods],
        route: fn.route.route,
        // Who may call is decided in code (the caller's Entra token, http/callers.ts), not by function keys, which
        // are one shared secret.
        authLevel: 'anonymous',
        handler: fn.route.cors ? withCors(handler, fn.route.methods) : handler,
      });
    } else {
      host.timer(fn.name, {
        schedule: fn.schedule,
        handler: (timer, context) => fn.handler(timer, context, services),
      });
    }
  }
}
