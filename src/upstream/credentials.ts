/**
 * Alibaba credentials for sign mode: from the environment, or from an AWS Secrets Manager secret
 * (JSON `{"AccessKeyId","AccessKeySecret","SecurityToken"?}`) fetched on first use and cached
 * for five minutes so a rotated secret is picked up without a redeploy.
 */
import type { CredentialSource } from '../config.js';
import type { Credentials } from '../protocol/credentials.js';
import { holdCredentials } from '../protocol/held-secrets.js';

const CACHE_MS = 5 * 60_000;

/**
 * The credentials to sign with now. Every set it returns is held (`protocol/held-secrets.ts`)
 * first, so no log line can carry it, wherever it came from.
 *
 * @throws CredentialsUnavailable when none are configured, or Secrets Manager cannot give them
 */
export type CredentialProvider = (signal: AbortSignal) => Promise<Credentials>;

export class CredentialsUnavailable extends Error {
  override readonly name = 'CredentialsUnavailable';
}

function fromSecretString(secret: string): Credentials {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(secret) as Record<string, unknown>;
  } catch (error) {
    throw new CredentialsUnavailable('the credentials secret is not JSON', { cause: error });
  }
  if (typeof value !== 'object' || value === null) {
    throw new CredentialsUnavailable('the credentials secret is not a JSON object');
  }
  const pick = (...names: string[]) => {
    for (const name of names)
      if (typeof value[name] === 'string' && value[name]) return value[name];
    return undefined;
  };
  const accessKeyId = pick('AccessKeyId', 'ALIBABA_CLOUD_ACCESS_KEY_ID');
  const accessKeySecret = pick('AccessKeySecret', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  if (!accessKeyId || !accessKeySecret) {
    throw new CredentialsUnavailable('the credentials secret lacks AccessKeyId or AccessKeySecret');
  }
  return {
    accessKeyId,
    accessKeySecret,
    securityToken: pick('SecurityToken', 'ALIBABA_CLOUD_SECURITY_TOKEN'),
  };
}

export function createCredentialProvider(source: CredentialSource): CredentialProvider {
  if (source.kind === 'static') {
    holdCredentials(source.credentials);
    return async () => source.credentials;
  }
  if (source.kind === 'none') {
    return async () => {
      throw new CredentialsUnavailable('no credentials configured');
    };
  }
  let cached: { credentials: Credentials; until: number } | undefined;
  let client: { send(command: unknown, options: { abortSignal: AbortSignal }): Promise<unknown> };
  return async (signal) => {
    if (cached && cached.until > Date.now()) return cached.credentials;
    // Loaded only when used: the AWS SDK is in the Lambda runtime and kept out of the bundle.
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= new sdk.SecretsManagerClient({});
    let secret: string | undefined;
    try {
      const out = (await client.send(
        new sdk.GetSecretValueCommand({ SecretId: source.secretArn }),
        { abortSignal: signal },
      )) as { SecretString?: string };
      secret = out.SecretString;
    } catch (error) {
      throw new CredentialsUnavailable(
        `Secrets Manager GetSecretValue failed (${(error as Error).name})`,
        { cause: error },
      );
    }
    if (!secret) throw new CredentialsUnavailable('the credentials secret has no SecretString');
    const credentials = fromSecretString(secret);
    holdCredentials(credentials);
    cached = { credentials, until: Date.now() + CACHE_MS };
    return credentials;
  };
}
