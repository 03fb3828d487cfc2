import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { lastFour, redactingReplacer, scrubText } from '../../src/log.js';

const creds = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIid',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's3cret',
  KMS_CALLER_KEYS_FILE: 'callers.json',
};

describe('configuration, read once from the environment', () => {
  it('has the documented defaults', () => {
    const result = loadConfig({ KMS_REGION: 'cn-hangzhou', ...creds });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      mode: 'sign',
      signatureVersion: 'v1',
      upstreamFormat: 'JSON',
      timeoutMs: 5000,
      maxBodyBytes: 1_048_576,
      maxAttempts: 3,
      codeSpelling: 'documented',
      accessLog: false,
      allowedActions: undefined,
      callerAuth: 'signature',
      callers: { kind: 'file', path: 'callers.json' },
      callersRefreshMs: 60_000,
      nonceTable: undefined,
    });
    expect(result.config.endpoint.href).toBe('https://kms.cn-hangzhou.aliyuncs.com/');
  });

  it('KMS_ENDPOINT wins over KMS_REGION and keeps only the origin', () => {
    const result = loadConfig({
      KMS_ENDPOINT: 'http://127.0.0.1:9999',
      KMS_REGION: 'nowhere',
      ...creds,
    });
    expect(result.ok && result.config.endpoint.host).toBe('127.0.0.1:9999');
  });

  it.each([
    [{ KMS_REGION: 'mars-1', ...creds }, 'KMS_REGION "mars-1" is not a KMS region'],
    [{ ...creds }, 'set KMS_ENDPOINT or KMS_REGION'],
    [{ KMS_ENDPOINT: 'ftp://x', ...creds }, 'KMS_ENDPOINT must be http:// or https://'],
    [{ KMS_ENDPOINT: 'https://x/path?q=1', ...creds }, 'no path, query or user'],
    [{ KMS_REGION: 'cn-hangzhou' }, 'sign mode needs'],
    [
      { KMS_REGION: 'cn-hangzhou', KMS_MODE: 'proxy', ...creds },
      'KMS_MODE must be one of sign, passthrough',
    ],
    [
      { KMS_REGION: 'cn-hangzhou', KMS_TIMEOUT_MS: '5s', ...creds },
      'KMS_TIMEOUT_MS must be an integer',
    ],
    [
      { KMS_REGION: 'cn-hangzhou', ...creds, KMS_CALLER_KEYS_FILE: '' },
      'KMS_CALLER_AUTH=signature needs the caller keys',
    ],
    [
      { KMS_REGION: 'cn-hangzhou', KMS_MODE: 'passthrough', KMS_CALLER_AUTH: 'signature' },
      'KMS_CALLER_AUTH=signature needs KMS_MODE=sign',
    ],
    [{ KMS_REGION: 'cn-hangzhou', ...creds, KMS_CALLER_KEYS_SECRET_ARN: 'arn:aws:x' }, 'not both'],
    [{ KMS_REGION: 'cn-hangzhou', ...creds, KMS_CALLER_AUTH: 'open' }, 'KMS_CALLER_AUTH must be'],
    [
      { KMS_REGION: 'cn-hangzhou', ...creds, KMS_CALLER_KEYS_REFRESH_S: '600' },
      'KMS_CALLER_KEYS_REFRESH_S must be an integer from 1 to 300',
    ],
  ])('reports %j as a problem', (env, problem) => {
    const result = loadConfig(env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(problem);
  });

  it('passthrough needs no credentials; the allow-list and options parse', () => {
    const result = loadConfig({
      KMS_REGION: 'cn-shanghai',
      KMS_MODE: 'PASSTHROUGH',
      KMS_ALLOWED_ACTIONS: 'Encrypt, Decrypt,,',
      KMS_SIGNATURE_VERSION: 'V3',
      KMS_UPSTREAM_FORMAT: 'xml',
      KMS_CODE_SPELLING: 'corrected',
      KMS_ACCESS_LOG: 'true',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      mode: 'passthrough',
      signatureVersion: 'v3',
      upstreamFormat: 'XML',
      codeSpelling: 'corrected',
      accessLog: true,
    });
    expect([...(result.config.allowedActions ?? [])]).toEqual(['Encrypt', 'Decrypt']);
    // KMS authenticates passthrough callers itself: no caller keys by default.
    expect(result.config.callerAuth).toBe('none');
  });

  it('caller authentication: none only when asked; iam needs no caller keys; a shared nonce table', () => {
    const none = loadConfig({ KMS_REGION: 'cn-hangzhou', ...creds, KMS_CALLER_AUTH: 'none' });
    expect(none.ok && none.config.callerAuth).toBe('none');
    const iam = loadConfig({
      KMS_REGION: 'cn-hangzhou',
      ...creds,
      KMS_CALLER_KEYS_FILE: '',
      KMS_CALLER_AUTH: 'IAM',
      KMS_NONCE_TABLE: 'nonces',
      KMS_CALLER_KEYS_REFRESH_S: '5',
    });
    expect(iam.ok).toBe(true);
    if (!iam.ok) return;
    expect(iam.config).toMatchObject({
      callerAuth: 'iam',
      callers: undefined,
      nonceTable: 'nonces',
      callersRefreshMs: 5000,
    });
  });

  it('a Secrets Manager ARN is a credential source', () => {
    const result = loadConfig({
      KMS_REGION: 'cn-hangzhou',
      KMS_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:x',
      KMS_CALLER_AUTH: 'iam',
    });
    expect(result.ok && result.config.credentials).toEqual({
      kind: 'secrets-manager',
      secretArn: 'arn:aws:secretsmanager:x',
    });
  });
});

describe('a RAM role assumed through STS (KMS_ROLE_ARN)', () => {
  const ROLE = 'acs:ram::1234567890123456:role/kms-normalizer';
  const base = { KMS_REGION: 'cn-hangzhou', KMS_CALLER_AUTH: 'none' };

  it('signed with the static pair, with the documented defaults', () => {
    const result = loadConfig({ ...base, ...creds, KMS_ROLE_ARN: ROLE });
    expect(result.ok).toBe(true);
    if (!result.ok || result.config.credentials.kind !== 'role') throw new Error('no role');
    const { stsEndpoint, ...role } = result.config.credentials;
    expect(role).toEqual({
      kind: 'role',
      roleArn: ROLE,
      sessionName: 'kms-normalizer',
      durationSeconds: 3600,
      base: {
        kind: 'static',
        credentials: { accessKeyId: 'LTAIid', accessKeySecret: 's3cret', securityToken: undefined },
      },
    });
    expect(stsEndpoint.href).toBe('https://sts.aliyuncs.com/');
  });

  it('signed with the Secrets Manager secret; session, duration and endpoint as set', () => {
    const result = loadConfig({
      ...base,
      KMS_CREDENTIALS_SECRET_ARN: 'arn:aws:secretsmanager:x',
      KMS_ROLE_ARN: ROLE,
      KMS_ROLE_SESSION_NAME: 'gw@eu-west-1.prod',
      KMS_ROLE_DURATION_S: '43200',
      KMS_STS_ENDPOINT: 'https://sts-vpc.cn-shanghai.aliyuncs.com:443/',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.credentials).toMatchObject({
      kind: 'role',
      sessionName: 'gw@eu-west-1.prod',
      durationSeconds: 43_200,
      stsEndpoint: new URL('https://sts-vpc.cn-shanghai.aliyuncs.com'),
      base: { kind: 'secrets-manager', secretArn: 'arn:aws:secretsmanager:x' },
    });
  });

  it.each([
    [
      { KMS_ROLE_ARN: 'arn:aws:iam::1:role/x' },
      'KMS_ROLE_ARN must be acs:ram::<accountId>:role/<name>',
    ],
    [{ KMS_ROLE_ARN: 'acs:ram::12ab:role/x' }, 'KMS_ROLE_ARN must be'],
    [{ KMS_ROLE_ARN: ROLE, KMS_ROLE_SESSION_NAME: 'a' }, 'KMS_ROLE_SESSION_NAME must be 2 to 64'],
    [{ KMS_ROLE_ARN: ROLE, KMS_ROLE_SESSION_NAME: 'my session' }, 'KMS_ROLE_SESSION_NAME must be'],
    [
      { KMS_ROLE_ARN: ROLE, KMS_ROLE_DURATION_S: '899' },
      'KMS_ROLE_DURATION_S must be an integer from 900 to 43200',
    ],
    [{ KMS_ROLE_ARN: ROLE, KMS_ROLE_DURATION_S: '43201' }, 'KMS_ROLE_DURATION_S must be'],
    [
      { KMS_ROLE_ARN: ROLE, KMS_STS_ENDPOINT: 'sts.aliyuncs.com' },
      'KMS_STS_ENDPOINT must be an absolute URL',
    ],
    [
      { KMS_ROLE_ARN: ROLE, KMS_STS_ENDPOINT: 'https://sts.aliyuncs.com/x' },
      'KMS_STS_ENDPOINT must be scheme://host[:port]',
    ],
  ])('reports %j as a problem', (env, problem) => {
    const result = loadConfig({ ...base, ...creds, ...env });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(problem);
  });

  it('needs credentials to assume it with', () => {
    const result = loadConfig({ ...base, KMS_ROLE_ARN: ROLE });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems.join('\n')).toContain(
        'KMS_ROLE_ARN needs the credentials that assume it',
      );
  });
});

describe('redaction', () => {
  it('the replacer hides secret fields and shortens AccessKeyIds', () => {
    const line = JSON.stringify(
      { Plaintext: 'p', nested: { signature: 's', AccessKeyId: 'LTAI5tAbCd1234' }, keep: 'k' },
      redactingReplacer,
    );
    expect(line).toBe(
      '{"Plaintext":"[REDACTED]","nested":{"signature":"[REDACTED]","AccessKeyId":"****1234"},"keep":"k"}',
    );
    expect(lastFour('abcdef')).toBe('****cdef');
  });

  it('scrubText removes secrets as sent and percent-encoded once or twice, and strings to sign', () => {
    const secret = 'SGVsbG8=+/x';
    const message = `bad: ${secret} and Plaintext%3DSGVsbG8%3D%2B%2Fx and Plaintext%253DSGVsbG8%253D%252B%252Fx`;
    expect(scrubText(message, [secret])).toBe(
      'bad: [REDACTED] and Plaintext%3D[REDACTED] and Plaintext%253D[REDACTED]',
    );
    expect(
      scrubText('Specified signature is not matched. server string to sign is:POST&%2F&A%3D1', []),
    ).toBe('Specified signature is not matched. server string to sign is: [REDACTED]');
  });
});
