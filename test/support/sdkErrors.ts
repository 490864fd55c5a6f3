import { GraphError } from '@microsoft/microsoft-graph-client';

/** A GraphError with its body parsed. */
export type ParsedGraphError = GraphError & { parsed: Record<string, unknown> };

/** Awaits a Graph client call that must fail and returns the GraphError with its parsed body. */
export async function graphFailure(call: Promise<unknown>): Promise<ParsedGraphError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(GraphError);
    const graphError = error as ParsedGraphError;
    graphError.parsed = JSON.parse(graphError.body as string) as Record<string, unknown>;
    return graphError;
  }
  throw new Error('the call succeeded but should have failed');
}

/** What a rejected Key Vault SDK call carried: status, code, the error body mapped back to wire names, Retry-After. */
export interface KeyVaultFailure {
  statusCode: number | undefined;
  code: string | undefined;
  message: string;
  body: { error: { code: string; message: string; innererror?: { code: string } } } | undefined;
  retryAfter: string | undefined;
}

interface SdkError {
  statusCode?: number;
  code?: string;
  message: string;
  details?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
  response?: { headers?: { get(name: string): string | undefined } };
}

/** Awaits a SecretClient call that must fail and returns what it carried. */
export async function keyVaultFailure(call: Promise<unknown>): Promise<KeyVaultFailure> {
  try {
    await call;
  } catch (error) {
    const e = error as SdkError;
    const detail = e.details?.error;
    // The SDK maps the wire's `innererror` to `innerError`; map it back so assertions read like the wire body.
    const body = detail
      ? {
          error: {
            code: detail.code ?? '',
            message: detail.message ?? '',
            ...(detail.innerError?.code ? { innererror: { code: detail.innerError.code } } : {}),
          },
        }
      : undefined;
    return {
      statusCode: e.statusCode,
      code: e.code,
      message: e.message,
      body,
      retryAfter: e.response?.headers?.get('retry-after'),
    };
  }
  throw new Error('expected the call to fail');
}
