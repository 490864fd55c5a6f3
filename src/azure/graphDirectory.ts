import {
  AuthenticationHandler,
  AuthenticationHandlerOptions,
  AuthenticationProvider,
  AuthenticationProviderOptions,
  Client,
  GraphClientError,
  GraphError,
  GraphRequest,
  HTTPMessageHandler,
  Middleware,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import type { TokenCredential } from '@azure/core-auth';
import { CallBudget } from '../vending/deadline';
import {
  DeadlineExceededError,
  InvalidRequestError,
  NotFoundError,
  TenantPolicyError,
  UpstreamFailureError,
  UpstreamUnavailableError,
  VendingError,
} from '../vending/errors';
import {
  ApplicationCredentials,
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

/** Per-request options of {@link CredentialAuthentication}: the request's abort signal reaches the token request. */
interface SignalledAuthenticationOptions extends AuthenticationProviderOptions {
  abortSignal?: AbortSignal;
}

/**
 * A failure of the credential while the Graph client asked it for a token. A `GraphClientError`, so the client passes
 * it on as it is instead of dressing it as a network failure of Graph (status -1): it is the identity that failed.
 */
export class TokenRequestError extends GraphClientError {
  constructor(readonly failure: unknown) {
    super('the credential could not get a token for Microsoft Graph');
    // GraphClientError resets the prototype to its own; this class must stay recognisable.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'TokenRequestError';
  }
}

/**
 * The Graph client's authentication provider over a `TokenCredential` (what `TokenCredentialAuthenticationProvider`
 * does), plus what it lacks: the request's abort signal is handed to `getToken`, so a slow identity endpoint is cut off
 * at the request's deadline too, and a token failure is told apart from Graph's own (see {@link TokenRequestError}).
 */
class CredentialAuthentication implements AuthenticationProvider {
  constructor(
    private readonly credential: TokenCredential,
    private readonly scopes: string[],
  ) {}

  async getAccessToken(options?: SignalledAuthenticationOptions): Promise<string> {
    let token;
    try {
      token = await this.credential.getToken(
        this.scopes,
        options?.abortSignal ? { abortSignal: options.abortSignal } : {},
      );
    } catch (error) {
      throw new TokenRequestError(error);
    }
    if (!token) throw new TokenRequestError(new Error('the credential returned no token'));
    return token.token;
  }
}

/**
 * Builds the Graph client: the official client with its own RetryHandler left out, because calls here retry with a
 * budget. `meter` (optional) is a middleware placed just before the HTTP handler, so it sees every request sent.
 */
export function createGraphClient(
  credential: TokenCredential,
  options: { baseUrl: string; tokenScope: string; customHosts: readonly string[] },
  meter?: Middleware,
): Client {
  const authentication = new AuthenticationHandler(new CredentialAuthentication(credential, [options.tokenScope]));
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
  /**
   * The object was created moments ago: 404 / NoBackingApplicationObject mean "not replicated yet", retried for as long
   * as the call's budget lasts (not a fixed number of attempts: lag is measured in seconds, not tries).
   */
  replicationLag?: boolean;
  /**
   * What a 403 `Authorization_RequestDenied` means: on an app, that this identity does not own it (`notFound`, the
   * default); on a create, that the identity lacks a Graph permission (`permission`: 502 and an operator log line).
   */
  denied?: 'notFound' | 'permission';
}

/** How long replication lag is retried when a call has no budget of its own (outside a request). */
const REPLICATION_LAG_BUDGET_MS = 120_000;

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

/**
 * What the expiry scan reads of each owned application, and nothing more. In a collection Graph returns key
 * credentials without their `key` (only a single application's `$select` has it): the metadata is all the scan needs.
 */
const SCAN_FIELDS = [...APPLICATION_FIELDS, 'passwordCredentials', 'keyCredentials'];

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
    if (error.statusCode >= 500 && traits.idempotent) {
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

/** The answer for a call cut off at the deadline (its signal aborted). */
function deadlineError(): DeadlineExceededError {
  return new DeadlineExceededError(
    "Microsoft Graph did not answer within the request's deadline; nothing was left half-done. Retry later.",
    retryAfterSeconds(undefined),
    'graph',
  );
}

/** Turns what Graph said into a domain error with an honest status; Graph's own text never reaches the caller. */
function toDomainError(error: unknown, subject: string, traits: CallTraits): VendingError {
  if (error instanceof VendingError) return error;
  if (error instanceof TokenRequestError) {
    // The identity's own failure, already classified by the credential (composition wraps it), else unavailable.
    if (error.failure instanceof VendingError) return error.failure;
    return new UpstreamUnavailableError(
      "The function's managed identity could not get a token; retry later.",
      503,
      retryAfterSeconds(undefined),
      'identity',
    );
  }
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
  if (error.code === 'Authorization_RequestDenied' && traits.denied === 'permission') {
    return new UpstreamFailureError(
      "Microsoft Graph refused this API's identity the permission to do this; an operator must grant it (Application.ReadWrite.OwnedBy).",
      'graph',
      error.code,
      true,
    );
  }
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
      // Throttled or failing on its side (any 5xx): come back later. Refused (another 4xx): nothing the caller can fix.
      if (error.statusCode === 429 || error.statusCode >= 500) {
        return new UpstreamUnavailableError(
          'Microsoft Graph is busy or unavailable; retry later.',
          error.statusCode === 429 ? 429 : 503,
          retryAfterSeconds(retryAfterMs(error)),
          'graph',
        );
      }
      return new UpstreamFailureError(
        'Microsoft Graph refused the request.',
        'graph',
        error.code ?? undefined,
        error.statusCode >= 400 && error.statusCode < 500,
      );
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

function toApplicationCredentials(application: GraphApplication): ApplicationCredentials {
  return {
    passwordCredentials: (application.passwordCredentials ?? []).map(toPasswordInfo),
    keyCredentials: (application.keyCredentials ?? []).map(toKeyInfo),
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
/** Graph's answers to a `$skiptoken` it cannot page with: expired or not one of its own. */
const PAGE_TOKEN_REFUSALS = new Set(['Directory_ExpiredPageToken', 'Request_BadRequest', 'BadRequest']);

function isPageTokenRefusal(error: UpstreamFailureError): boolean {
  return error.refused && error.upstreamCode !== undefined && PAGE_TOKEN_REFUSALS.has(error.upstreamCode);
}

function ownedApplicationsPath(clientId: string): string {
  return `/servicePrincipals(appId='${clientId}')/ownedObjects/microsoft.graph.application`;
}

/** Options of {@link createGraphDirectory}. */
export interface GraphDirectoryOptions {
  /** Client id of this identity, to recognise it among an app's owners. */
  managedIdentityClientId: string;
  retry?: RetryOptions;
  /** Told when Graph refuses this identity a permission it needs: an operator must act. */
  warn?: (message: string, details: Record<string, string>) => void;
}

/**
 * The {@link Directory} over Microsoft Graph v1.0, for an identity holding `Application.ReadWrite.OwnedBy`. Each call
 * takes the request's {@link CallBudget}: its signal goes to the fetch and to the token request, and retries stop at
 * its end.
 */
export function createGraphDirectory(
  client: Client,
  options: GraphDirectoryOptions,
): Directory & KeyCredentialDirectory {
  const warn = options.warn ?? (() => undefined);

  /** A request to `path` carrying the budget's signal, for the HTTP call and for the token it needs. */
  function requestTo(path: string, budget: CallBudget | undefined): GraphRequest {
    const request = client.api(path);
    if (!budget) return request;
    const authentication: SignalledAuthenticationOptions = { abortSignal: budget.signal };
    return request
      .option('signal', budget.signal)
      .middlewareOptions([new AuthenticationHandlerOptions(undefined, authentication)]);
  }

  async function call<T>(
    subject: string,
    traits: CallTraits,
    budget: CallBudget | undefined,
    send: (api: (path: string) => GraphRequest, attemptNumber: number) => Promise<T>,
  ): Promise<T> {
    const retry: RetryOptions = {
      ...options.retry,
      ...(budget ? { signal: budget.signal, endsAt: budget.endsAt } : {}),
    };
    if (traits.replicationLag) {
      // Lag lasts seconds, not tries: retried until the budget ends (the request's, or a rollback's past it).
      retry.maxAttempts = Number.POSITIVE_INFINITY;
      retry.budgetMs =
        budget && Number.isFinite(budget.endsAt)
          ? Number.POSITIVE_INFINITY
          : (options.retry?.budgetMs ?? REPLICATION_LAG_BUDGET_MS);
    }
    try {
      return await withRetries((n) => send((path) => requestTo(path, budget), n), decideRetry(traits), retry);
    } catch (error) {
      if (budget?.signal.aborted) throw deadlineError();
      const domainError = toDomainError(error, subject, traits);
      if (domainError instanceof UpstreamFailureError && domainError.upstreamCode === 'Authorization_RequestDenied') {
        warn("Microsoft Graph refused this API's identity a permission it needs; grant it.", {
          operation: subject,
          graphCode: 'Authorization_RequestDenied',
          needs: 'Application.ReadWrite.OwnedBy',
        });
      }
      throw domainError;
    }
  }

  /** The app with the given properties, only if this identity is among its owners (one read each, in parallel). */
  async function ownedApplication(
    appId: string,
    properties: string[],
    budget: CallBudget | undefined,
  ): Promise<GraphApplication> {
    const subject = `Application ${appId}`;
    const [application, owners] = await Promise.all([
      call<GraphApplication>(
        subject,
        { idempotent: true },
        budget,
        (api) =>
          api(appPath(appId))
            .select([...APPLICATION_FIELDS, ...properties])
            .get() as Promise<GraphApplication>,
      ),
      call<{ value: { id: string; appId?: string }[] }>(
        subject,
        { idempotent: true },
        budget,
        (api) =>
          api(`${appPath(appId)}/owners`)
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

  /** Any application with the given credential collections (owned or not), or undefined if there is none. */
  async function anyApplication(
    appId: string,
    properties: string[],
    budget: CallBudget | undefined,
  ): Promise<GraphApplication | undefined> {
    try {
      const application = await call<GraphApplication>(
        `Application ${appId}`,
        { idempotent: true },
        budget,
        (api) =>
          api(appPath(appId))
            .select(['id', ...properties])
            .get() as Promise<GraphApplication>,
      );
      return application;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * Reads the app's key credentials with their keys (`$select=keyCredentials`) and writes back the whole collection
   * `change` makes of them: Graph's only way to add a certificate without proving possession of an existing one.
   * Two writers racing on one app can lose a credential: Graph offers no condition to write it under.
   */
  async function writeKeyCredentials(
    appId: string,
    change: (existing: GraphKeyCredential[]) => GraphKeyCredential[],
    budget: CallBudget | undefined,
    denied: CallTraits['denied'] = 'notFound',
  ): Promise<void> {
    const subject = `Application ${appId}`;
    const current = await call<GraphApplication>(
      subject,
      { idempotent: true, denied },
      budget,
      (api) => api(appPath(appId)).select(['keyCredentials']).get() as Promise<GraphApplication>,
    );
    const keyCredentials = change(current.keyCredentials ?? []);
    // The same whole collection again is harmless: a retry after a lost answer changes nothing.
    await call(
      subject,
      { idempotent: true, denied },
      budget,
      (api) => api(appPath(appId)).patch({ keyCredentials }) as Promise<void>,
    );
  }

  return {
    async createApplication({ displayName, description, tags, password }, budget) {
      const created = await call<GraphApplication>(
        'The application',
        { idempotent: false, denied: 'permission' },
        budget,
        (api) =>
          api('/applications').post({
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

    async createServicePrincipal(appId, budget) {
      const sp = await call<{ id: string }>(
        `Application ${appId}`,
        { idempotent: false, replicationLag: true, denied: 'permission' },
        budget,
        (api) => api('/servicePrincipals').post({ appId }) as Promise<{ id: string }>,
      );
      return { id: sp.id };
    },

    async deleteApplication(objectId, budget) {
      let uncertain = false;
      await call(`Application object ${objectId}`, { idempotent: true, replicationLag: true }, budget, async (api) => {
        try {
          await (api(`/applications/${objectId}`).delete() as Promise<void>);
        } catch (error) {
          // After an attempt whose answer was lost, a 404 means that attempt deleted it; before, replication lag.
          if (uncertain && isGraphError(error) && error.statusCode === 404) return;
          uncertain = isNetworkFailure(error) || (isGraphError(error) && error.statusCode >= 500);
          throw error;
        }
      });
    },

    async findOwnedApplicationsTagged(tag, budget) {
      const page = await call<GraphCollection<GraphApplication>>(
        'Applications by tag',
        { idempotent: true },
        budget,
        (api) =>
          api('/applications')
            .filter(`tags/any(t:t eq '${tag.replace(/'/g, "''")}')`)
            .select(APPLICATION_FIELDS)
            .top(999)
            .get() as Promise<GraphCollection<GraphApplication>>,
      );
      return page.value.map((a) => ({ id: a.id, appId: a.appId, displayName: a.displayName }));
    },

    async addPassword(appId, password, budget) {
      const credential = await call<GraphPasswordCredential>(
        `Application ${appId}`,
        { idempotent: false },
        budget,
        (api) =>
          api(`${appPath(appId)}/addPassword`).post({
            passwordCredential: toGraphPassword(password),
          }) as Promise<GraphPasswordCredential>,
      );
      return toIssuedPassword(credential);
    },

    async removePassword(appId, keyId, budget) {
      // Only ever asked of an app just read as ours: a 403 here is a permission this identity lacks, never "gone".
      const traits: CallTraits = { idempotent: true, denied: 'permission' };
      await call(`Application ${appId}`, traits, budget, async (api, attemptNumber) => {
        try {
          await (api(`${appPath(appId)}/removePassword`).post({ keyId }) as Promise<void>);
        } catch (error) {
          // A retry after a lost answer finds the credential gone: the first attempt did the work.
          if (attemptNumber > 1 && isGraphError(error) && error.statusCode === 404) return;
          throw error;
        }
      });
    },

    async getOwnedApplication(appId, budget) {
      const application = await ownedApplication(appId, ['passwordCredentials'], budget);
      return {
        ...toTaggedApplication(application),
        passwordCredentials: (application.passwordCredentials ?? []).map(toPasswordInfo),
      };
    },

    async getApplication(appId, budget) {
      const application = await call<GraphApplication>(
        `Application ${appId}`,
        { idempotent: true },
        budget,
        (api) => api(appPath(appId)).select(APPLICATION_FIELDS).get() as Promise<GraphApplication>,
      );
      return toTaggedApplication(application);
    },

    async listOwnedApplications({ top, skipToken }, budget) {
      // This identity's own service principal, by its appId: the apps it owns are exactly the ones it may manage.
      const path = ownedApplicationsPath(options.managedIdentityClientId);
      const page = await call<GraphCollection<GraphApplication>>(
        'The owned applications',
        { idempotent: true },
        budget,
        (api) => {
          const request = api(path).select(APPLICATION_FIELDS).top(top);
          // `.skipToken()` would send `$skipToken`; Graph's own links say `$skiptoken`, and the value is sent as given.
          if (skipToken !== undefined) request.query({ $skiptoken: skipToken });
          return request.get() as Promise<GraphCollection<GraphApplication>>;
        },
      ).catch((error: unknown) => {
        // A token Graph cannot page with (made up, or expired) is the caller's to fix, not Graph failing us.
        if (skipToken !== undefined && error instanceof UpstreamFailureError && isPageTokenRefusal(error))
          throw new InvalidRequestError('skipToken is not one this API gave out, or it has expired.', [
            { pointer: '#/query/skipToken', detail: 'is not a current page token; start again from the first page' },
          ]);
        throw error;
      });
      const next = skipTokenOf(page['@odata.nextLink']);
      const applications = page.value.map(toTaggedApplication);
      return next === undefined ? { applications } : { applications, skipToken: next };
    },

    async setApplicationTags(appId, tags, budget) {
      await call(
        `Application ${appId}`,
        { idempotent: true },
        budget,
        (api) => api(appPath(appId)).patch({ tags }) as Promise<void>,
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
          undefined,
          (api) =>
            (link !== undefined
              ? api(link)
              : api(ownedApplicationsPath(options.managedIdentityClientId)).select(SCAN_FIELDS).top(GRAPH_MAX_PAGE_SIZE)
            ).get() as Promise<GraphCollection<GraphApplication>>,
        );
        next = page['@odata.nextLink'];
        yield page.value.map((application) => ({
          ...toTaggedApplication(application),
          ...toApplicationCredentials(application),
        }));
      } while (next !== undefined);
    },

    async findApplicationCredentials(appId, budget) {
      const application = await anyApplication(appId, ['passwordCredentials'], budget);
      return application && toApplicationCredentials(application).passwordCredentials;
    },

    async findAllCredentials(appId, budget) {
      const application = await anyApplication(appId, ['passwordCredentials', 'keyCredentials'], budget);
      return application && toApplicationCredentials(application);
    },

    async getOwnedKeyCredentials(appId, budget) {
      const application = await ownedApplication(appId, ['keyCredentials'], budget);
      return {
        application: toTaggedApplication(application),
        keyCredentials: (application.keyCredentials ?? []).map(toKeyInfo),
      };
    },

    async addKeyCredential(appId, credential, budget) {
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
      await writeKeyCredentials(appId, (existing) => [...existing, added], budget);
      return toKeyInfo(added);
    },

    async removeKeyCredential(appId, keyId, budget) {
      // As for removePassword: a 403 is a permission this identity lacks (502), not a credential already gone (404).
      await writeKeyCredentials(
        appId,
        (existing) => existing.filter((c) => c.keyId.toLowerCase() !== keyId.toLowerCase()),
        budget,
        'permission',
      );
    },
  };
}
