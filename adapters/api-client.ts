// Calls the platform's HTTP API: plainly on the local server, signed with AWS Signature Version 4
// (service execute-api, the default credential chain) on the deployed, IAM-authorised API — what
// awscurl does, with the AWS SDK's own signer.
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** SHA-256 (an HMAC when given a secret) in the shape the SDK's signer takes. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface ApiRequest {
  readonly method: string;
  /** Absolute URL of the route, query included. */
  readonly url: string;
  /** A JSON body. */
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Fixed credentials (tests); the default credential chain otherwise. */
export interface ApiCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ApiClientOptions {
  /** Sign with SigV4 for this region (the deployed API); unsigned when absent (the local server). */
  readonly sign?: { readonly region: string; readonly credentials?: ApiCredentials; readonly now?: () => Date };
}

/**
 * One call to the API.
 * @example await callApi({ method: 'GET', url: `${apiUrl}/api/ml/health` }, { sign: { region: 'eu-west-1' } });
 */
export async function callApi(request: ApiRequest, options: ApiClientOptions = {}): Promise<ApiResponse> {
  const url = new URL(request.url);
  let headers: Record<string, string> = {
    ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...request.headers,
  };
  if (options.sign) {
    const signer = new SignatureV4({
      service: 'execute-api',
      region: options.sign.region,
      credentials: options.sign.credentials ?? defaultProvider(),
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query,
        headers: { ...headers, host: url.host },
        ...(request.body !== undefined ? { body: request.body } : {}),
      },
      options.sign.now ? { signingDate: options.sign.now() } : {},
    );
    headers = signed.headers;
  }
  const res = await fetch(url, { method: request.method, headers, ...(request.body !== undefined ? { body: request.body } : {}) });
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k] = v));
  return { status: res.status, headers: out, body: await res.text() };
}
