import {
  AuthenticationHandler,
  Client,
  GraphError,
  HTTPMessageHandler,
  Middleware,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { TokenCredential } from '@azure/core-auth';
import {
  NotFoundError,
  TenantPolicyError,
  UpstreamFailureError,
  UpstreamUnavailableError,
  VendingError,
} from '../vending/errors';
import {
  ApplicationInfo,
  Directory,
  IssuedPassword,
  KeyCredentialDirectory,
  KeyCredentialInfo,
  PasswordCredentialInfo,
  PasswordRequest,
  TaggedApplication,
} from '../vending/ports';
import {
  parseRetryAfter,
  retryAfterSeconds,
  RetryBudgetExhaustedError,
  RetryDecision,
  RetryOptions,
  withRetries,
} from './retryPolicy';

/**
 * Builds the Graph client: the official client with its own RetryHandler left out, because calls here retry with a
 * budget. `meter` (optional) is a middleware placed just before the HTTP handler, so it sees every request sent.
 */
export function createGraphClient(
  credential: TokenCredential,
  options: { baseUrl: string; tokenScope: string; customHosts: readonly string[] },
  meter?: Middleware,
): Client {
  const authentication = new AuthenticationHandler(
    new TokenCredentialAuthenticationProvider(credential, { scopes: [options.tokenScope] }),
  );
  const telemetry = new TelemetryHandler();
  authentication.setNext(telemetry);
  if (meter?.setNext) {
    telemetry.setNext(meter);
    meter.setNext(new HTTPMessageHandler());
  } else {
    telemetry.setNext(new HTTPMessageHandler());
  }
  return Client.initWithMiddleware({
    middleware: authentication,
    baseUrl: options.baseUrl,
    defaultVersion: 'v1.0',
    customHosts: new Set(options.customHosts),
  });
}

/** How a call may be retried: writes that create things retry throttling only; reads and removals also 503/504. */
interface CallTraits {
  idempotent: boolean;
  /** The object was created moments ago: 404 / NoBackingApplicationObject mean "not replicated yet". */
  replicationLag?: boolean;
}

interface GraphPasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string | null;
  startDateTime: string;
  endDateTime: string;
  secretText?: string | null;
}

/** A key credential on the wire; `key` (the public certificate) only on `$select=keyCredentials`. */
interface GraphKeyCredential {
  keyId: string;
  displayName: string | null;
  customKeyIdentifier: string | null;
  startDateTime: string;
  endDateTime: string;
  type: string;
  usage: string;
  key: string | null;
}

interface GraphApplication {
  id: string;
  appId: string;
  displayName: string;
  tags?: string[];
  passwordCredentials?: GraphPasswordCredential[];
  keyCredentials?: GraphKeyCredential[];
}

function toKeyInfo(credential: GraphKeyCredential): KeyCredentialInfo {
  return {
    keyId: credential.keyId,
    displayName: credential.displayName,
    thumbprint: credential.customKeyIdentifier ?? '',
    startDateTime: credential.startDateTime,
    endDateTime: credential.endDateTime,
  };
}

interface GraphCollection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** What the product reads of an application, besides its credentials. */
const APPLICATION_FIELDS = ['id', 'appId', 'displayName', 'tags'];

function toTaggedApplication(application: GraphApplication): TaggedApplication {
  return {
    id: application.id,
    appId: application.appId,
    displayName: application.displayName,
    tags: application.tags ?? [],
  };
}

/**
 * The `$skiptoken` of an `@odata.nextLink`, as it stands in the link (still URL-encoded), so a caller can ask for
 * the next page without being handed Graph's URL, and it goes back to Graph byte for byte.
 */
function skipTokenOf(nextLink: string | undefined): string | undefined {
  return nextLink === undefined ? undefined : /[?&]\$skiptoken=([^&#]+)/i.exec(nextLink)?.[1];
}

/** Graph's largest page for directory collections (`$top` 1–999). */
export const GRAPH_MAX_PAGE_SIZE = 999;

/** What the expiry scan reads of each owned application, and nothing more. */
const SCAN_FIELDS = [...APPLICATION_FIELDS, 'passwordCredentials'];

function graphErrorDetailsCodes(error: GraphError): string[] {
  try {
    const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as {
      details?: { code?: string }[];
      innerError?: { code?: string };
    } | null;
    return (body?.details ?? []).map((d) => d.code ?? '');
  } catch {
    return [];
  }
}

function isGraphError(error: unknown): error is GraphError {
  return (
    error instanceof GraphError ||
    (typeof error === 'object' && error !== null && 'statusCode' in error && 'code' in error)
  );
}

function retryAfterMs(error: GraphError): number | undefined {
  return parseRetryAfter(error.headers?.get('retry-after'));
}

/** A connection that failed before any status came back (reset, refused, TLS). */
function isNetworkFailure(error: unknown): boolean {
  if (isGraphError(error)) return error.statusCode === -1 || error.statusCode === 0;
  return error instanceof TypeError;
}

function decideRetry(traits: CallTraits): (error: unknown) => RetryDecision {
  return (error) => {
    if (isNetworkFailure(error)) return { retry: traits.idempotent };
    if (!isGraphError(error)) return { retry: false };
    // Branch on Graph's code, never its message (Graph's own guidance).
    if (error.statusCode === 429) return { retry: true, retryAfterMs: retryAfterMs(error) };
    if ((error.statusCode === 503 || error.statusCode === 504) && traits.idempotent) {
      return { retry: true, retryAfterMs: retryAfterMs(error) };
    }
    if (traits.replicationLag) {
      if (error.statusCode === 404 && error.code === 'Request_ResourceNotFound') return { retry: true };
      if (error.statusCode === 400 && graphErrorDetailsCodes(error).includes('NoBackingApplicationObject'))
        return { retry: true };
    }
    return { retry: false };
  };
}

/** Turns what Graph said into a domain error with an honest status; Graph's own text never reaches the caller. */
function toDomainError(error: unknown, subject: string): VendingError {
  if (error instanceof VendingError) return error;
  if (error instanceof RetryBudgetExhaustedError) {
    const last = error.lastError;
    const status = isGraphError(last) && last.statusCode === 429 ? 429 : 503;
    return new UpstreamUnavailableError(
      'Microsoft Graph is busy or unavailable; retry later.',
      status,
      retryAfterSeconds(error.retryAfterMs),
      'graph',
    );
  }
  if (isNetworkFailure(error))
    return new UpstreamUnavailableError(
      'Microsoft Graph could not be reached; retry later.',
      503,
      retryAfterSeconds(undefined),
      'graph',
    );
  if (!isGraphError(error)) return new UpstreamFailureError('Microsoft Graph call failed.', 'graph', undefined);
  switch (error.code) {
    case 'Request_ResourceNotFound':
    case 'Authorization_RequestDenied':
      // OwnedBy answers 403 for apps we do not own: to a caller, both mean "no such app here".
      return new NotFoundError(`${subject} was not found, or it is not managed by this API.`);
    case 'CredentialInvalidLifetimeAsPerAppPolicy':
      return new TenantPolicyError(
        "The tenant's app management policy allows a shorter secret lifetime than requested; ask for a shorter lifetimeDays or an earlier endDateTime.",
      );
    case 'CredentialTypeNotAllowedAsPerAppPolicy':
      return new TenantPolicyError(
        "The tenant's app management policy does not allow client secrets on this application.",
      );
    default:
      if (error.statusCode === 429 || error.statusCode === 503 || error.statusCode === 504) {
        return new UpstreamUnavailableError(
          'Microsoft Graph is busy or unavailable; retry later.',
          error.statusCode === 429 ? 429 : 503,
          retryAfterSeconds(retryAfterMs(error)),
          'graph',
        );
      }
      return new UpstreamFailureError('Microsoft Graph refused the request.', 'graph', error.code ?? undefined);
  }
}

function toPasswordInfo(credential: GraphPasswordCredential): PasswordCredentialInfo {
  return {
    keyId: credential.keyId,
    displayName: credential.displayName,
    hint: credential.hint,
    startDateTime: credential.startDateTime,
    endDateTime: credential.endDateTime,
  };
}

function toIssuedPassword(credential: GraphPasswordCredential | undefined): IssuedPassword {
  if (!credential?.secretText)
    throw new UpstreamFailureError('Microsoft Graph issued no secret text.', 'graph', undefined);
  return { ...toPasswordInfo(credential), secretText: credential.secretText };
}

function toGraphPassword(password: PasswordRequest): Record<string, string> {
  return {
    displayName: password.displayName,
    startDateTime: password.startDateTime.toISOString(),
    // Always explicit: Graph's default is two years.
    endDateTime: password.endDateTime.toISOString(),
  };
}

function appPath(appId: string): string {
  return `/applications(appId='${appId}')`;
}

/** The applications a service principal (here: this identity, by its appId) owns, cast to their type. */
function ownedApplicationsPath(clientId: string): string {
  return `/servicePrincipals(appId='${clientId}')/ownedObjects/microsoft.graph.application`;
}

/**
 * The {@link Directory} over Microsoft Graph v1.0, for an identity holding `Application.ReadWrite.OwnedBy`.
 * `managedIdentityClientId` identifies this identity among an app's owners.
 */
export function createGraphDirectory(
  client: Client,
  options: { managedIdentityClientId: string; retry?: RetryOptions },
): Directory & KeyCredentialDirectory {
  async function call<T>(
    subject: string,
    traits: CallTraits,
    request: (attemptNumber: number) => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetries(request, decideRetry(traits), options.retry);
    } catch (error) {
      throw toDomainError(error, subject);
    }
  }

  /** The app with the given properties, only if this identity is among its owners (one read each, in parallel). */
  async function ownedApplication(appId: string, properties: string[]): Promise<GraphApplication> {
    const subject = `Application ${appId}`;
    const [application, owners] = await Promise.all([
      call<GraphApplication>(
        subject,
        { idempotent: true },
        () =>
          client
            .api(appPath(appId))
            .select([...APPLICATION_FIELDS, ...properties])
            .get() as Promise<GraphApplication>,
      ),
      call<{ value: { id: string; appId?: string }[] }>(
        subject,
        { idempotent: true },
        () =>
          client
            .api(`${appPath(appId)}/owners`)
            .select(['id', 'appId'])
            .top(999)
            .get() as Promise<{ value: { id: string; appId?: string }[] }>,
      ),
    ]);
    const ownedByUs = owners.value.some(
      (o) => o.appId?.toLowerCase() === options.managedIdentityClientId.toLowerCase(),
    );
    if (!ownedByUs) throw new NotFoundError(`${subject} was not found, or it is not managed by this API.`);
    return application;
  }

  /**
   * Reads the app's key credentials with their keys (`$select=keyCredentials`) and writes back the whole collection
   * `change` makes of them: Graph's only way to add a certificate without proving possession of an existing one.
   * Two writers racing on one app can lose a credential: Graph offers no condition to write it under.
   */
  async function writeKeyCredentials(
    appId: string,
    change: (existing: GraphKeyCredential[]) => GraphKeyCredential[],
  ): Promise<void> {
    const subject = `Application ${appId}`;
    const current = await call<GraphApplication>(
      subject,
      { idempotent: true },
      () => client.api(appPath(appId)).select(['keyCredentials']).get() as Promise<GraphApplication>,
    );
    const keyCredentials = change(current.keyCredentials ?? []);
    // The same whole collection again is harmless: a retry after a lost answer changes nothing.
    await call(
      subject,
      { idempotent: true },
      () => client.api(appPath(appId)).patch({ keyCredentials }) as Promise<void>,
    );
  }

  return {
    async createApplication({ displayName, description, tags, password }) {
      const created = await call<GraphApplication>(
        'The application',
        { idempotent: false },
        () =>
          client.api('/applications').post({
            displayName,
            ...(description !== undefined ? { description } : {}),
            signInAudience: 'AzureADMyOrg',
            tags,
            ...(password ? { passwordCredentials: [toGraphPassword(password)] } : {}),
          }) as Promise<GraphApplication>,
      );
      const application: ApplicationInfo = { id: created.id, appId: created.appId, displayName: created.displayName };
      return password ? { application, password: toIssuedPassword(created.passwordCredentials?.[0]) } : { application };
    },

    async createServicePrincipal(appId) {
      const sp = await call<{ id: string }>(
        `Application ${appId}`,
        { idempotent: false, replicationLag: true },
        () => client.api('/servicePrincipals').post({ appId }) as Promise<{ id: string }>,
      );
      return { id: sp.id };
    },

    async deleteApplication(objectId) {
      await call(
        `Application object ${objectId}`,
        { idempotent: true, replicationLag: true },
        () => client.api(`/applications/${objectId}`).delete() as Promise<void>,
      );
    },

    async addPassword(appId, password) {
      const credential = await call<GraphPasswordCredential>(
        `Application ${appId}`,
        { idempotent: false },
        () =>
          client
            .api(`${appPath(appId)}/addPassword`)
            .post({ passwordCredential: toGraphPassword(password) }) as Promise<GraphPasswordCredential>,
      );
      return toIssuedPassword(credential);
    },

    async removePassword(appId, keyId) {
      await call(`Application ${appId}`, { idempotent: true }, async (attemptNumber) => {
        try {
          await (client.api(`${appPath(appId)}/removePassword`).post({ keyId }) as Promise<void>);
        } catch (error) {
          // A retry after a lost answer finds the credential gone: the first attempt did the work.
          if (attemptNumber > 1 && isGraphError(error) && error.statusCode === 404) return;
          throw error;
        }
      });
    },

    async getOwnedApplication(appId) {
      const application = await ownedApplication(appId, ['passwordCredentials']);
      return {
        ...toTaggedApplication(application),
        passwordCredentials: (application.passwordCredentials ?? []).map(toPasswordInfo),
      };
    },

    async getApplication(appId) {
      const application = await call<GraphApplication>(
        `Application ${appId}`,
        { idempotent: true },
        () => client.api(appPath(appId)).select(APPLICATION_FIELDS).get() as Promise<GraphApplication>,
      );
      return toTaggedApplication(application);
    },

    async listOwnedApplications({ top, skipToken }) {
      // This identity's own service principal, by its appId: the apps it owns are exactly the ones it may manage.
      const path = ownedApplicationsPath(options.managedIdentityClientId);
      const page = await call<GraphCollection<GraphApplication>>('The owned applications', { idempotent: true }, () => {
        const request = client.api(path).select(APPLICATION_FIELDS).top(top);
        // `.skipToken()` would send `$skipToken`; Graph's own links say `$skiptoken`, and the value is sent as given.
        if (skipToken !== undefined) request.query({ $skiptoken: skipToken });
        return request.get() as Promise<GraphCollection<GraphApplication>>;
      });
      const next = skipTokenOf(page['@odata.nextLink']);
      const applications = page.value.map(toTaggedApplication);
      return next === undefined ? { applications } : { applications, skipToken: next };
    },

    async setApplicationTags(appId, tags) {
      await call(
        `Application ${appId}`,
        { idempotent: true },
        () => client.api(appPath(appId)).patch({ tags }) as Promise<void>,
      );
    },

    async *ownedApplicationPages() {
      // The first page names the query; every later one is Graph's own nextLink, followed verbatim (opaque token).
      let next: string | undefined;
      do {
        const link = next;
        const page = await call<GraphCollection<GraphApplication>>(
          'The owned applications',
          { idempotent: true },
          () =>
            (link !== undefined
              ? client.api(link)
              : client
                  .api(ownedApplicationsPath(options.managedIdentityClientId))
                  .select(SCAN_FIELDS)
                  .top(GRAPH_MAX_PAGE_SIZE)
            ).get() as Promise<GraphCollection<GraphApplication>>,
        );
        next = page['@odata.nextLink'];
        yield page.value.map((application) => ({
          ...toTaggedApplication(application),
          passwordCredentials: (application.passwordCredentials ?? []).map(toPasswordInfo),
        }));
      } while (next !== undefined);
    },

    async findApplicationCredentials(appId) {
      try {
        const application = await call<GraphApplication>(
          `Application ${appId}`,
          { idempotent: true },
          () => client.api(appPath(appId)).select(['id', 'passwordCredentials']).get() as Promise<GraphApplication>,
        );
        return (application.passwordCredentials ?? []).map(toPasswordInfo);
      } catch (error) {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      }
    },

    async getOwnedKeyCredentials(appId) {
      const application = await ownedApplication(appId, ['keyCredentials']);
      return {
        application: toTaggedApplication(application),
        keyCredentials: (application.keyCredentials ?? []).map(toKeyInfo),
      };
    },

    async addKeyCredential(appId, credential) {
      const added: GraphKeyCredential = {
        keyId: credential.keyId,
        displayName: credential.displayName,
        // Graph's customKeyIdentifier is Edm.Binary: the hex thumbprint reads back as itself.
        customKeyIdentifier: credential.thumbprint,
        startDateTime: credential.startDateTime.toISOString(),
        endDateTime: credential.endDateTime.toISOString(),
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        key: credential.certificate,
      };
      await writeKeyCredentials(appId, (existing) => [...existing, added]);
      return toKeyInfo(added);
    },

    async removeKeyCredential(appId, keyId) {
      await writeKeyCredentials(appId, (existing) =>
        existing.filter((c) => c.keyId.toLowerCase() !== keyId.toLowerCase()),
      );
    },
  };
}
