/**
 * Secrets never reach a log line. A distinct marker is planted in every secret field of requests
 * and of upstream answers (success and error), with the access log on; then no output line of
 * serverless-offline (the function's logs included) may hold any marker, any body, or the
 * credentials.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_KEY, CALLER_KEY, caller, freePort, type Stack, send, startStack } from './stack.js';

const marker = (field: string) => `MARK3R${field}Zq9`;
const SECRET_REQUEST_FIELDS = [
  'Plaintext',
  'CiphertextBlob',
  'SecretData',
  'Signature',
  'SecurityToken',
  'AccessKeySecret',
  'Password',
  'ImportToken',
  'EncryptedKeyMaterial',
  'PrivateKeyData',
];
const SECRET_ANSWER_FIELDS = [
  'Plaintext',
  'CiphertextBlob',
  'SecretData',
  'PrivateKeyData',
  'ImportToken',
  'PublicKey',
  'RandomPassword',
  'ExportedDataKey',
];

function assertClean(stack: Stack, secrets: readonly string[]) {
  const output = stack.output.join('\n');
  expect(output.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    const at = output.indexOf(secret);
    expect(at, `leaked ${secret} in: ${output.slice(Math.max(0, at - 200), at + 200)}`).toBe(-1);
  }
  expect(output).not.toContain(ACCESS_KEY.secret);
  expect(output).not.toContain(ACCESS_KEY.id);
  expect(output).not.toContain(CALLER_KEY.secret);
  expect(output).not.toContain(CALLER_KEY.id);
}

describe('redaction, against the emulator', () => {
  let stack: Stack;
  const kms = caller(() => stack, false);
  beforeAll(async () => {
    stack = await startStack({ env: { KMS_ACCESS_LOG: 'true' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('no marker, body, key or credential in any log line', async () => {
    const key = stack.emulator.state.createKey();
    const planted = Object.fromEntries(SECRET_REQUEST_FIELDS.map((f) => [f, marker(f)]));
    const seen: string[] = [...Object.values(planted)];

    // Every secret request field, on actions that succeed and that fail upstream.
    const calls: Record<string, string>[] = [
      { Action: 'Encrypt', KeyId: key.KeyId, ...planted, AccessKeyId: marker('AccessKeyId') },
      { Action: 'Decrypt', CiphertextBlob: planted.CiphertextBlob as string },
      {
        Action: 'CreateSecret',
        SecretName: 's',
        VersionId: 'v1',
        SecretData: planted.SecretData as string,
      },
      {
        Action: 'ImportKeyMaterial',
        KeyId: key.KeyId,
        ImportToken: planted.ImportToken as string,
        EncryptedKeyMaterial: planted.EncryptedKeyMaterial as string,
        KeyMaterialExpireUnix: '0',
      },
      { Action: 'CreateClientKey', AapName: 'a', Password: planted.Password as string },
    ];
    for (const params of calls) {
      for (const format of ['JSON', 'XML']) {
        const response = await kms.call({ ...params, Format: format });
        seen.push(await response.text());
      }
    }
    // Secrets in upstream answers: ciphertexts, plaintexts, data keys.
    const sealed = (await (
      await kms.call({ Action: 'Encrypt', KeyId: key.KeyId, Plaintext: marker('Answer') })
    ).json()) as Record<string, string>;
    const opened = (await (
      await kms.call({ Action: 'Decrypt', CiphertextBlob: sealed.CiphertextBlob as string })
    ).json()) as Record<string, string>;
    const dataKey = (await (
      await kms.call({ Action: 'GenerateDataKey', KeyId: key.KeyId })
    ).json()) as Record<string, string>;
    expect(opened.Plaintext).toBe(marker('Answer'));
    seen.push(
      sealed.CiphertextBlob as string,
      opened.Plaintext as string,
      dataKey.Plaintext as string,
      dataKey.CiphertextBlob as string,
    );
    // Secret data, import tokens and wrapping keys, passwords: answers that are secrets.
    const answer = async (params: Record<string, string>) =>
      (await (await kms.call(params)).json()) as Record<string, string>;
    const secret = await answer({ Action: 'GetSecretValue', SecretName: 's' });
    expect(secret.SecretData).toBe(planted.SecretData);
    const external = stack.emulator.state.createKey({ origin: 'EXTERNAL' });
    const importing = await answer({
      Action: 'GetParametersForImport',
      KeyId: external.KeyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const password = await answer({ Action: 'GetRandomPassword', PasswordLength: '64' });
    expect(importing.ImportToken && password.RandomPassword).toBeTruthy();
    seen.push(importing.ImportToken as string, password.RandomPassword as string);

    await new Promise((resolve) => setTimeout(resolve, 500));
    const errorLines = stack.logLines().filter((l) => l.message === 'kms error normalized');
    expect(errorLines.length).toBeGreaterThanOrEqual(6);
    expect(
      stack.logLines().filter((l) => l.message === 'kms request').length,
    ).toBeGreaterThanOrEqual(16);
    assertClean(stack, seen);
    // The caller's key appears as its last four characters only.
    const echoed = errorLines.map((l) => l.caller as { access_key_id?: string } | undefined);
    expect(echoed.every((c) => c?.access_key_id === `****${CALLER_KEY.id.slice(-4)}`)).toBe(true);
  });
});

describe('redaction, caller authentication', () => {
  const CALLER = { id: 'KMSN-redaction-caller-77', secret: marker('CallerSecret') };
  const TOKEN = marker('CallerToken');
  let stack: Stack;
  const v1 = caller(() => stack, 'caller-v1');
  const v3 = caller(() => stack, 'caller-v3');

  beforeAll(async () => {
    stack = await startStack({
      env: { KMS_ACCESS_LOG: 'true' },
      callers: [
        {
          AccessKeyId: CALLER.id,
          AccessKeySecret: CALLER.secret,
          SecurityToken: TOKEN,
          Actions: ['*'],
        },
      ],
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('no caller secret, security token or signature in any log line, accepted or refused', async () => {
    const key = stack.emulator.state.createKey();
    const good = { accessKey: CALLER, securityToken: TOKEN };
    const params = { Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'aGk=' };
    const signatures: string[] = [];
    // V1, accepted and refused for each reason; the signatures sent are collected.
    const encoded = [
      v1.encode(params, { signing: good }),
      v1.encode(params, { signing: { ...good, tamper: true } }),
      v1.encode(params, { signing: { accessKey: CALLER, securityToken: marker('WrongToken') } }),
      v1.encode(params, {
        signing: { ...good, timestamp: new Date(Date.now() - 3_600_000) },
      }),
      v1.encode(params, { signing: { accessKey: { id: CALLER.id, secret: marker('Wrong') } } }),
    ];
    const statuses: number[] = [];
    for (const body of encoded) {
      signatures.push(new URLSearchParams(body).get('Signature') as string);
      statuses.push((await send(stack, body)).status);
    }
    // A replay of the accepted request, then V3 accepted and tampered.
    statuses.push((await send(stack, encoded[0] as string)).status);
    statuses.push((await v3.call(params, { signing: good })).status);
    statuses.push((await v3.call(params, { signing: { ...good, tamper: true } })).status);
    expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 200, 400]);

    await new Promise((resolve) => setTimeout(resolve, 500));
    const output = stack.output.join('\n');
    for (const secret of [
      CALLER.secret,
      TOKEN,
      marker('WrongToken'),
      marker('Wrong'),
      ...signatures,
    ]) {
      expect(output.includes(secret), `leaked ${secret}`).toBe(false);
    }
    expect(output.includes(CALLER.id)).toBe(false);
    const refused = stack
      .logLines()
      .filter((l) => l.message === 'kms error normalized')
      .map((l) => (l.caller as { access_key_id?: string }).access_key_id);
    expect(refused.length).toBe(6);
    expect(refused.every((id) => id === '****r-77')).toBe(true);
  });
});

describe('redaction, against an upstream that echoes secrets', () => {
  let stack: Stack;
  let upstream: Server;
  const kms = caller(() => stack, false);

  beforeAll(async () => {
    // Answers every action with every secret answer field set to a marker, or, for Decrypt, the
    // PopGw-style SignatureDoesNotMatch error whose message quotes the string to sign (and so
    // the request's Plaintext, double percent-encoded).
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const params = new URLSearchParams(body);
        if (params.get('Action') === 'Decrypt') {
          const stringToSign = `POST&%2F&${encodeURIComponent(body)}`;
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              RequestId: 'ECHO-1',
              HostId: 'kms.cn-hangzhou.aliyuncs.com',
              Code: 'SignatureDoesNotMatch',
              Message: `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
              Recommend: 'https://next.api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch',
            }),
          );
          return;
        }
        const answer: Record<string, string> = { RequestId: 'ECHO-2' };
        for (const field of SECRET_ANSWER_FIELDS) answer[field] = marker(`Answer${field}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => upstream.listen(port, '127.0.0.1', resolve));
    stack = await startStack({
      endpoint: `http://127.0.0.1:${port}`,
      env: { KMS_ACCESS_LOG: 'true' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('secret answer fields and echoed request secrets stay out of the logs', async () => {
    const secrets = SECRET_ANSWER_FIELDS.map((f) => marker(`Answer${f}`));
    for (const action of [
      'GetSecretValue',
      'GenerateDataKey',
      'GetParametersForImport',
      'GetRandomPassword',
    ]) {
      const params: Record<string, string> = {
        Action: action,
        SecretName: 's',
        KeyId: 'k',
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_2048',
      };
      const response = await kms.call(params);
      expect(response.status).toBe(200);
      const text = await response.text();
      // The caller gets every field, known to the schema or not.
      for (const secret of secrets) expect(text).toContain(secret);
    }
    const plaintext = marker('EchoedPlaintext');
    const refused = await kms.call({
      Action: 'Decrypt',
      CiphertextBlob: marker('EchoedBlob'),
      Plaintext: plaintext,
    });
    expect(refused.status).toBe(400);
    // The caller gets the upstream message exactly; the log gets it scrubbed.
    const envelope = (await refused.json()) as { Message: string; RequestId: string };
    expect(envelope.RequestId).toBe('ECHO-1');
    expect(envelope.Message).toContain('string to sign is:');

    await new Promise((resolve) => setTimeout(resolve, 500));
    const line = stack.logLines().find((l) => l.message === 'kms error normalized');
    expect(line).toMatchObject({
      upstream: {
        code: 'SignatureDoesNotMatch',
        message:
          'Specified signature is not matched with our calculation. server string to sign is: [REDACTED]',
        recommend: 'https://next.api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch',
      },
    });
    assertClean(stack, [...secrets, plaintext, marker('EchoedBlob')]);
  });
});
