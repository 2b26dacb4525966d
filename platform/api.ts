// The CLI's way to the HTTP API (`xdr-ml api`): the deployed API (XDR_ML_API_URL, the stack's
// ApiUrl output) signed with SigV4 when the target is AWS, else the local server, unsigned.
import { callApi, type ApiCredentials, type ApiResponse } from '../adapters/api-client';
import { ConfigError, ENV_KEYS, type PlatformConfig } from '../config/config';

export type { ApiResponse };

/**
 * One call to the platform's API on the configured target.
 * @example await callPlatformApi(loadConfig(), { method: 'GET', path: '/api/ml/health' });
 */
export async function callPlatformApi(
  config: PlatformConfig,
  request: { readonly method: string; readonly path: string; readonly body?: string },
  options: { readonly credentials?: ApiCredentials } = {},
  headers: Readonly<Record<string, string>> = {},
): Promise<ApiResponse> {
  const remote = config.local.target === 'aws';
  const base = config.local.apiUrl ?? (remote ? undefined : `http://127.0.0.1:${config.local.port}`);
  if (base === undefined) {
    throw new ConfigError(
      `${ENV_KEYS.apiUrl} is not set: give the deployed API's URL (the Api stack's ApiUrl output: aws cloudformation describe-stacks --stack-name MiniXdrMl-${config.stage}-Api)`,
      ENV_KEYS.apiUrl,
    );
  }
  const url = new URL(request.path, base.endsWith('/') ? base : `${base}/`).toString();
  return callApi(
    { method: request.method, url, headers, ...(request.body !== undefined ? { body: request.body } : {}) },
    remote ? { sign: { region: config.region, ...(options.credentials ? { credentials: options.credentials } : {}) } } : {},
  );
}
