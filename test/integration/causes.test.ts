/**
 * Translated errors keep what they translate (issue 10 item 6), against real servers: a refused
 * connection, a Secrets Manager answer, a missing credential. And credentials from Secrets Manager
 * are held the moment they are read, so no log line can carry them (issue 7 item 4).
 */
import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { HttpRequest } from '../../src/http/request.js';
import { checkCall } from '../../src/kms/call.js';
import { KmsError } from '../../src/kms/envelope.js';
import { heldSecrets } from '../../src/protocol/held-secrets.js';
import {
  CredentialsUnavailable,
  createCredentialProvider,
} from '../../src/upstream/credentials.js';
import { createHttpClient, TransportError } from '../../src/upstream/http-client.js';
import { createKmsClient } from '../../src/upstream/kms-client.js';
import {
  type LocalSecretsManager,
  sdkEnv,
  startSecretsManager,
} from '../support/secrets-manager.js';

let secretsManager: LocalSecretsManager;
let secret = '';
beforeAll(async () => {
  secretsManager = await startSecretsManager(() => secret);
});
afterAll(async () => {
  await secretsManager.close();
});
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const fromSecretsManager = () => {
  Object.assign(process.env, sdkEnv(secretsManager));
  return createCredentialProvider({
    kind: 'secrets-manager',
    secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:kms',
  });
};

describe('the credentials provider', () => {
  it('holds what it reads from Secrets Manager before anything can log it', async () => {
    secret = JSON.stringify({
      AccessKeyId: 'LTAI5tHeldFromSecretsMgr',
      AccessKeySecret: 'held-secret-from-secrets-manager',
      SecurityToken: 'held-token-from-secrets-manager',
    });
    await fromSecretsManager()(AbortSignal.timeout(5000));
    const held = heldSecrets();
    expect(held.secrets).toEqual(
      expect.arrayContaining([
        'held-secret-from-secrets-manager',
        'held-token-from-secrets-manager',
      ]),
    );
    expect(held.accessKeyIds).toContain('LTAI5tHeldFromSecretsMgr');
  });

  it('a secret that is not JSON: CredentialsUnavailable, caused by the parse error', async () => {
    secret = 'not json';
    const error = await rejection(fromSecretsManager()(AbortSignal.timeout(5000)));
    expect(error).toBeInstanceOf(CredentialsUnavailable);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('Secrets Manager unreachable: caused by the SDK’s error', async () => {
    process.env.AWS_MAX_ATTEMPTS = '1';
    const provider = fromSecretsManager();
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = 'http://127.0.0.1:1';
    const error = await rejection(provider(AbortSignal.timeout(5000)));
    expect(error).toBeInstanceOf(CredentialsUnavailable);
    expect(error.message).toMatch(/^Secrets Manager GetSecretValue failed/);
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('the KMS client', () => {
  const request: HttpRequest = {
    method: 'GET',
    headers: {},
    rawQuery: 'Action=ListKeys',
    body: undefined,
    requestId: 'r',
    domainName: 'd',
    path: '/',
    iamPrincipal: undefined,
  };

  async function invokeAgainst(env: Record<string, string>) {
    const loaded = loadConfig({ KMS_MAX_ATTEMPTS: '1', KMS_CALLER_AUTH: 'none', ...env });
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    const invoke = createKmsClient({
      config: loaded.config,
      http: createHttpClient(loaded.config),
      credentials: createCredentialProvider(loaded.config.credentials),
    });
    return rejection(
      invoke({
        call: checkCall('GET', { Action: 'ListKeys' }, undefined),
        request,
        deadline: Date.now() + 3000,
        trace: { host: 'h', attempts: 0, latencyMs: 0 },
      }),
    );
  }

  it('a refused connection: 503, caused by the TransportError, caused by fetch’s error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const error = await invokeAgainst({
      KMS_ENDPOINT: `http://127.0.0.1:${port}`,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tCauseTestKey00001',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'cause-test-secret-0123456789',
    });
    expect(error).toBeInstanceOf(KmsError);
    expect((error as KmsError).status).toBe(503);
    expect(error.cause).toBeInstanceOf(TransportError);
    expect((error.cause as TransportError).cause).toBeInstanceOf(TypeError);
  });

  it('no credentials: 500, caused by CredentialsUnavailable', async () => {
    // A passthrough configuration needs no credentials; signed with none, the lookup fails.
    const loaded = loadConfig({ KMS_MODE: 'passthrough', KMS_ENDPOINT: 'http://127.0.0.1:1' });
    if (!loaded.ok) throw new Error(loaded.problems.join('; '));
    const invoke = createKmsClient({
      config: { ...loaded.config, mode: 'sign' },
      http: createHttpClient(loaded.config),
      credentials: createCredentialProvider({ kind: 'none' }),
    });
    const error = await rejection(
      invoke({
        call: checkCall('GET', { Action: 'ListKeys' }, undefined),
        request,
        deadline: Date.now() + 3000,
        trace: { host: 'h', attempts: 0, latencyMs: 0 },
      }),
    );
    expect((error as KmsError).code).toBe('InternalFailure');
    expect(error.cause).toBeInstanceOf(CredentialsUnavailable);
  });
});
