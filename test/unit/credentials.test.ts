/**
 * Sign-mode credentials: from the environment as given, or from AWS Secrets Manager through the
 * real AWS SDK against a local Secrets Manager, fetched on first use and kept five minutes.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CredentialProvider,
  CredentialsUnavailable,
  createCredentialProvider,
} from '../../src/upstream/credentials.js';
import {
  type LocalSecretsManager,
  sdkEnv,
  startSecretsManager,
} from '../support/secrets-manager.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:kms-normalizer/alibaba';
const FIVE_MINUTES = 5 * 60_000;
const pair = (id: string, secret: string, extra: Record<string, string> = {}) =>
  JSON.stringify({ AccessKeyId: id, AccessKeySecret: secret, ...extra });
const signal = () => AbortSignal.timeout(5000);

async function failure(provider: CredentialProvider, abort = signal()) {
  try {
    await provider(abort);
  } catch (error) {
    if (error instanceof CredentialsUnavailable) return error;
    throw error;
  }
  throw new Error('expected CredentialsUnavailable');
}

describe('credentials from the environment', () => {
  it('are the configured pair, every time', async () => {
    const credentials = { accessKeyId: 'LTAIstatic', accessKeySecret: 'static-secret' };
    const provider = createCredentialProvider({ kind: 'static', credentials });
    expect(await provider(signal())).toBe(credentials);
    expect(await provider(signal())).toBe(credentials);
  });

  it('none configured: every lookup fails, saying so', async () => {
    const error = await failure(createCredentialProvider({ kind: 'none' }));
    expect(error.message).toBe('no credentials configured');
  });
});

describe('credentials from AWS Secrets Manager', () => {
  let secretsManager: LocalSecretsManager;
  let provider: CredentialProvider;

  beforeAll(async () => {
    secretsManager = await startSecretsManager();
  });
  afterAll(async () => {
    await secretsManager.close();
  });
  beforeEach(() => {
    for (const [name, value] of Object.entries(sdkEnv(secretsManager))) vi.stubEnv(name, value);
    secretsManager.calls.length = 0;
    provider = createCredentialProvider({ kind: 'secrets-manager', secretArn: ARN });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('reads the secret named by the ARN with GetSecretValue', async () => {
    secretsManager.serve(pair('LTAIfromSecret', 'secret-one', { SecurityToken: 'sts-token' }));
    expect(await provider(signal())).toEqual({
      accessKeyId: 'LTAIfromSecret',
      accessKeySecret: 'secret-one',
      securityToken: 'sts-token',
    });
    expect(secretsManager.calls).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId: ARN },
    ]);
  });

  it('also reads the names Alibaba tools use (ALIBABA_CLOUD_*)', async () => {
    secretsManager.serve(
      JSON.stringify({
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIenvNames',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret-env',
        ALIBABA_CLOUD_SECURITY_TOKEN: 'token-env',
      }),
    );
    expect(await provider(signal())).toEqual({
      accessKeyId: 'LTAIenvNames',
      accessKeySecret: 'secret-env',
      securityToken: 'token-env',
    });
  });

  it('keeps the secret five minutes, then reads the rotated one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    secretsManager.serve(pair('LTAIfirst', 'first-secret'));
    expect((await provider(signal())).accessKeyId).toBe('LTAIfirst');

    secretsManager.serve(pair('LTAIrotated', 'rotated-secret'));
    vi.setSystemTime(start + FIVE_MINUTES - 1);
    expect((await provider(signal())).accessKeyId).toBe('LTAIfirst');
    expect(secretsManager.calls).toHaveLength(1);

    vi.setSystemTime(start + FIVE_MINUTES);
    expect(await provider(signal())).toEqual({
      accessKeyId: 'LTAIrotated',
      accessKeySecret: 'rotated-secret',
      securityToken: undefined,
    });
    expect(secretsManager.calls).toHaveLength(2);

    // The rotated pair is kept five minutes from when it was read, not from the first read.
    vi.setSystemTime(start + 2 * FIVE_MINUTES - 1);
    await provider(signal());
    expect(secretsManager.calls).toHaveLength(2);
  });

  it('a failed read is not kept: the next lookup asks again', async () => {
    secretsManager.fail('ResourceNotFoundException');
    const error = await failure(provider);
    expect(error.message).toBe('Secrets Manager GetSecretValue failed (ResourceNotFoundException)');
    // The service's message text is not copied: it may name the secret.
    expect(error.message).not.toContain('local ResourceNotFoundException');

    secretsManager.serve(pair('LTAIafterFailure', 'secret-after'));
    expect((await provider(signal())).accessKeyId).toBe('LTAIafterFailure');
    expect(secretsManager.calls).toHaveLength(2);
  });

  it.each([
    ['not JSON', 'AccessKeyId=LTAI', 'the credentials secret is not JSON'],
    ['that is a JSON array', '[]', 'the credentials secret is not a JSON object'],
    [
      'without the AccessKey fields',
      JSON.stringify({ user: 'x' }),
      'the credentials secret lacks AccessKeyId or AccessKeySecret',
    ],
    [
      'with an empty AccessKeySecret',
      pair('LTAIid', ''),
      'the credentials secret lacks AccessKeyId or AccessKeySecret',
    ],
    [
      'with a number for AccessKeyId',
      JSON.stringify({ AccessKeyId: 12, AccessKeySecret: 's' }),
      'the credentials secret lacks AccessKeyId or AccessKeySecret',
    ],
    ['without a SecretString', undefined, 'the credentials secret has no SecretString'],
  ])('a secret %s is refused, saying why', async (_name, value, why) => {
    secretsManager.serve(value);
    expect((await failure(provider)).message).toBe(why);
  });

  it('gives up when the lookup is aborted (the deadline), naming only the error kind', async () => {
    secretsManager.hang();
    const error = await failure(provider, AbortSignal.timeout(200));
    expect(error.message).toMatch(/^Secrets Manager GetSecretValue failed \(\w+\)$/);
  });
});
