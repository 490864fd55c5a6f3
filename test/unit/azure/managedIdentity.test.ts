import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { classifiedCredential } from '../../../src/azure/managedIdentity';
import { UpstreamFailureError, UpstreamUnavailableError } from '../../../src/vending/errors';

/** What @azure/identity does with an aborted signal: the request rejects (soon, or at once) with an AbortError. */
function abortError(): Error {
  const error = new Error('The operation was aborted.');
  error.name = 'AbortError';
  return error;
}

/** A credential that records each request and answers as `answer` says (by default: rejects once its signal aborts). */
function recordingCredential(answer?: (options?: GetTokenOptions) => Promise<AccessToken | null>): {
  credential: TokenCredential;
  requests: (GetTokenOptions | undefined)[];
} {
  const requests: (GetTokenOptions | undefined)[] = [];
  const byDefault = (options?: GetTokenOptions): Promise<AccessToken | null> =>
    new Promise((_, reject) => {
      const signal = options?.abortSignal;
      if (signal?.aborted) return setImmediate(() => reject(abortError()));
      signal?.addEventListener('abort', () => setImmediate(() => reject(abortError())));
    });
  return {
    requests,
    credential: {
      getToken: (_scopes, options) => {
        requests.push(options);
        return (answer ?? byDefault)(options);
      },
    },
  };
}

/** The rejections nobody handled while `run` and a few turns of the event loop after it ran. */
async function unhandledRejectionsOf(run: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', listener);
  try {
    await run();
    for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return unhandled;
}

describe('classifiedCredential: token requests that honour the deadline and blame the identity', () => {
  it('rejects a request made with an already aborted signal to the caller only: never sent, nothing unhandled', async () => {
    const { credential, requests } = recordingCredential();
    let caught: unknown;
    const unhandled = await unhandledRejectionsOf(async () => {
      caught = await classifiedCredential(credential)
        .getToken('https://graph.microsoft.com/.default', { abortSignal: AbortSignal.abort() })
        .catch((e: unknown) => e);
    });
    expect(caught).toMatchObject({ name: 'AbortError' });
    expect(requests).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('rejects at the abort while the endpoint is slow; the request left behind fails later unheard', async () => {
    const { credential, requests } = recordingCredential();
    const controller = new AbortController();
    let caught: unknown;
    const unhandled = await unhandledRejectionsOf(async () => {
      const pending = classifiedCredential(credential).getToken('https://vault.azure.net/.default', {
        abortSignal: controller.signal,
      });
      controller.abort();
      caught = await pending.catch((e: unknown) => e);
    });
    expect(caught).toMatchObject({ name: 'AbortError' });
    expect(requests).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it("answers a refresh asked with an aborted signal with the last token still valid: a client's background refresh ends", async () => {
    // As @azure/keyvault-common's token cycler does in the refresh window: refresh in the background with the signal
    // of the request that found the token near its end, retrying every 3 s while that fails.
    const token = { token: 'not-a-real-token', expiresOnTimestamp: Date.now() + 60_000 };
    const { credential, requests } = recordingCredential((options) =>
      options?.abortSignal?.aborted ? Promise.reject(abortError()) : Promise.resolve(token),
    );
    const classified = classifiedCredential(credential);
    await expect(classified.getToken('https://vault.azure.net/.default', {})).resolves.toBe(token);
    await expect(
      classified.getToken('https://vault.azure.net/.default', { abortSignal: AbortSignal.abort() }),
    ).resolves.toBe(token);
    expect(requests).toHaveLength(1);
    // Another scope has no token yet: the aborted request is refused, still without asking the endpoint.
    await expect(
      classified.getToken('https://graph.microsoft.com/.default', { abortSignal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(requests).toHaveLength(1);
  });

  it('passes a token through, and blames the identity for its failures: its configuration 502, anything else 503', async () => {
    const token = { token: 'not-a-real-token', expiresOnTimestamp: Date.now() + 60_000 };
    const ok = recordingCredential(() => Promise.resolve(token));
    await expect(classifiedCredential(ok.credential).getToken('scope', {})).resolves.toBe(token);

    const refused = recordingCredential(() => Promise.reject(Object.assign(new Error('bad'), { statusCode: 400 })));
    const configuration = await classifiedCredential(refused.credential)
      .getToken('scope', {})
      .catch((e: unknown) => e);
    expect(configuration).toBeInstanceOf(UpstreamFailureError);
    expect(configuration).toMatchObject({ status: 502, upstream: 'identity' });

    const busy = recordingCredential(() => Promise.reject(Object.assign(new Error('busy'), { statusCode: 503 })));
    const unavailable = await classifiedCredential(busy.credential)
      .getToken('scope', { abortSignal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(UpstreamUnavailableError);
    expect(unavailable).toMatchObject({ status: 503, upstream: 'identity' });
  });
});
