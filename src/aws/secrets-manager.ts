/**
 * Reads one Secrets Manager secret's text. The SDK is loaded on first use only: it is part of
 * the Lambda runtime, kept out of the bundle, and needed only when a secret is configured.
 */

/** The secret could not be read; `reason` is safe to log (an error name, never secret text). */
export class SecretUnavailable extends Error {
  override readonly name = 'SecretUnavailable';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

type Sender = { send(command: unknown, options: { abortSignal: AbortSignal }): Promise<unknown> };

/**
 * Reads the `SecretString` of a secret.
 * @throws SecretUnavailable when the secret cannot be read or holds no SecretString
 */
export type SecretReader = (secretId: string, signal: AbortSignal) => Promise<string>;

/**
 * A reader with its own SDK client, made on its first read (so it takes the AWS settings of the
 * environment as they are then) and kept for the next, connections included.
 */
export function secretReader(): SecretReader {
  let client: Sender | undefined;
  return async (secretId, signal) => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= new sdk.SecretsManagerClient({});
    let out: { SecretString?: string };
    try {
      out = (await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }), {
        abortSignal: signal,
      })) as { SecretString?: string };
    } catch (error) {
      throw new SecretUnavailable(
        `Secrets Manager GetSecretValue failed (${(error as Error).name})`,
        { cause: error },
      );
    }
    if (!out.SecretString) throw new SecretUnavailable('the secret has no SecretString');
    return out.SecretString;
  };
}

/**
 * The `SecretString` of `secretId`, through one client shared by the process.
 * @throws SecretUnavailable when the call fails or the secret holds no string
 */
export const readSecretString: SecretReader = secretReader();
