/**
 * A local AWS Secrets Manager: a `node:http` server speaking the service's JSON 1.1 protocol for
 * `GetSecretValue`, so the real AWS SDK client runs against it. Point the SDK at it with
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` (see `sdkEnv`). It serves one secret string, which a test
 * can change (a rotation), or an error, and counts the calls it answered.
 */
import { createServer, type Server } from 'node:http';

export interface SecretsManagerCall {
  /** the X-Amz-Target header, e.g. `secretsmanager.GetSecretValue` */
  readonly target: string;
  readonly secretId: string | undefined;
}

export interface LocalSecretsManager {
  readonly url: string;
  readonly calls: SecretsManagerCall[];
  /**
   * what GetSecretValue answers from now on (or a function read at each call); `undefined`
   * answers a secret without SecretString
   */
  serve(secretString: SecretSource): void;
  /** answer every call with this service error (e.g. `ResourceNotFoundException`) */
  fail(type: string, status?: number): void;
  /** never answer (until the caller gives up) */
  hang(): void;
  close(): Promise<void>;
}

/** The environment that points the AWS SDK at the local server, with throwaway credentials. */
export const sdkEnv = (secretsManager: LocalSecretsManager): Record<string, string> => ({
  AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
  AWS_SECRET_ACCESS_KEY: 'local-aws-secret',
});

export type SecretSource = string | undefined | (() => string | undefined);

export async function startSecretsManager(
  secretString?: SecretSource,
): Promise<LocalSecretsManager> {
  let answer:
    | { kind: 'secret'; value: SecretSource }
    | { kind: 'error'; type: string; status: number }
    | { kind: 'hang' } = { kind: 'secret', value: secretString };
  const calls: SecretsManagerCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let secretId: string | undefined;
      try {
        secretId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: string })
          .SecretId;
      } catch {}
      calls.push({ target: String(req.headers['x-amz-target'] ?? ''), secretId });
      if (answer.kind === 'hang') return;
      const type = { 'content-type': 'application/x-amz-json-1.1' };
      if (answer.kind === 'error') {
        res.writeHead(answer.status, type);
        res.end(JSON.stringify({ __type: answer.type, message: `local ${answer.type}` }));
        return;
      }
      const value = typeof answer.value === 'function' ? answer.value() : answer.value;
      res.writeHead(200, type);
      res.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:eu-west-1:000000000000:secret:${secretId ?? 'unknown'}`,
          Name: secretId,
          VersionId: 'local-version',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 1_700_000_000,
          ...(value === undefined ? {} : { SecretString: value }),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    serve: (value) => {
      answer = { kind: 'secret', value };
    },
    fail: (type, status = 400) => {
      answer = { kind: 'error', type, status };
    },
    hang: () => {
      answer = { kind: 'hang' };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
