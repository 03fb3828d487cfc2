/**
 * The callers core on its own: the document operators write, resource patterns, the policy
 * decision (with KMS's answers to look-ups played by a recording resolver), the directory's
 * refresh rules, and the per-instance nonce window.
 */
import { describe, expect, it } from 'vitest';
import { authorizeCall, type KeyResolver } from '../../src/callers/authorize.js';
import { createCallerStore, MAX_STALE_MS } from '../../src/callers/caller-store.js';
import {
  InvalidCallerDocument,
  policyOfPrincipal,
  readCallerDocument,
} from '../../src/callers/directory.js';
import { memoryNonces } from '../../src/callers/nonce-store.js';
import {
  allowsResource,
  type CallerPolicy,
  keyRef,
  parseResourcePattern,
  secretRef,
} from '../../src/callers/policy.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import type { RpcCall } from '../../src/kms/call.js';
import { gatewayError, KmsError } from '../../src/kms/envelope.js';
import type { ActionSpec } from '../../src/kms/schema.js';

const call = (action: string, params: Record<string, string> = {}): RpcCall => ({
  action,
  spec: ACTIONS[action] as ActionSpec,
  params: { Action: action, ...params },
});

const policy = (actions: string[] | undefined, resources?: string[]): CallerPolicy => ({
  actions: actions && new Set(actions),
  resources: resources?.map(parseResourcePattern),
});

async function refusal(promise: Promise<unknown>): Promise<KmsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KmsError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('resource patterns', () => {
  it('reads ids, aliases, secrets and ARNs, with trailing-* prefixes', () => {
    expect(parseResourcePattern('alias/app-*')).toEqual({
      kind: 'alias',
      name: 'alias/app-',
      prefix: true,
    });
    expect(parseResourcePattern('key-123')).toEqual({
      kind: 'key',
      name: 'key-123',
      prefix: false,
    });
    expect(parseResourcePattern('key/key-123')).toEqual(parseResourcePattern('key-123'));
    expect(parseResourcePattern('secret/db/*')).toEqual({
      kind: 'secret',
      name: 'db/',
      prefix: true,
    });
    expect(parseResourcePattern('acs:kms:cn-hangzhou:123:alias/app-x')).toEqual({
      kind: 'alias',
      name: 'alias/app-x',
      prefix: false,
    });
    expect(parseResourcePattern('acs:kms:cn-hangzhou:123:secret/db')).toMatchObject({
      kind: 'secret',
      name: 'db',
    });
    for (const bad of ['', 'alias/*x', 'acs:ram::1:role/x', 'alias/a*b*']) {
      expect(() => parseResourcePattern(bad), bad).toThrow(TypeError);
    }
  });

  it('matches a request by kind and name, whether it names by id, alias or ARN', () => {
    const limited = policy(['Encrypt'], ['alias/app-*', 'key-1', 'secret/db']);
    const allowed = (ref: ReturnType<typeof keyRef>) => allowsResource(limited, ref);
    expect(allowed(keyRef('alias/app-x'))).toBe(true);
    expect(allowed(keyRef('acs:kms:cn-hangzhou:1:alias/app-x'))).toBe(true);
    expect(allowed(keyRef('alias/other'))).toBe(false);
    expect(allowed(keyRef('key-1'))).toBe(true);
    expect(allowed(keyRef('acs:kms:cn-hangzhou:1:key/key-1'))).toBe(true);
    expect(allowed(keyRef('key-12'))).toBe(false);
    expect(allowed(secretRef('db'))).toBe(true);
    expect(allowed(secretRef('acs:kms:cn-hangzhou:1:secret/db'))).toBe(true);
    // A secret named like an alias is still a secret.
    expect(allowed(secretRef('alias/app-x'))).toBe(false);
    expect(allowsResource(policy(['*']), keyRef('anything'))).toBe(true);
  });
});

describe('the callers document', () => {
  const entry = {
    AccessKeyId: 'app-1',
    AccessKeySecret: 's1',
    Actions: ['Encrypt', 'Decrypt'],
    Resources: ['alias/app-*'],
  };

  it('reads caller keys and principal patterns, with their policies', () => {
    const directory = readCallerDocument(
      JSON.stringify([
        entry,
        { AccessKeyId: 'app-2', AccessKeySecret: 's2', Enabled: false, Actions: ['*'] },
        { Principal: 'arn:aws:sts::1:assumed-role/app/*', Actions: ['ListKeys'] },
        { Principal: 'arn:aws:iam::1:user/ops', Actions: ['*'], Resources: ['*'] },
      ]),
    );
    expect(directory.keys.get('app-1')).toMatchObject({ id: 'app-1', secret: 's1', enabled: true });
    expect([...(directory.keys.get('app-1')?.policy.actions ?? [])]).toEqual([
      'Encrypt',
      'Decrypt',
    ]);
    expect(directory.keys.get('app-2')).toMatchObject({
      enabled: false,
      policy: { actions: undefined },
    });
    expect(
      policyOfPrincipal(directory, 'arn:aws:sts::1:assumed-role/app/session-9')?.actions,
    ).toEqual(new Set(['ListKeys']));
    expect(policyOfPrincipal(directory, 'arn:aws:iam::1:user/ops')).toEqual({
      actions: undefined,
      resources: undefined,
    });
    expect(policyOfPrincipal(directory, 'arn:aws:iam::1:user/other')).toBeUndefined();
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['not an array', '{}', 'JSON array'],
    ['an unknown field', [{ ...entry, Actoins: ['*'] }], 'unknown field "Actoins"'],
    ['a misspelt action', [{ ...entry, Actions: ['Encrpyt'] }], '"Encrpyt" is not a KMS action'],
    ['no actions', [{ ...entry, Actions: [] }], 'Actions must list'],
    ['a repeated key', [entry, entry], 'repeats an earlier entry'],
    ['Enabled as text', [{ ...entry, Enabled: 'false' }], 'Enabled must be true or false'],
    ['no secret', [{ AccessKeyId: 'x', Actions: ['*'] }], 'AccessKeySecret must be'],
    ['a bad resource', [{ ...entry, Resources: ['alias/*x'] }], 'only at the end'],
  ])('refuses %s, saying where', (_name, document, message) => {
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    expect(() => readCallerDocument(text)).toThrow(InvalidCallerDocument);
    expect(() => readCallerDocument(text)).toThrow(message);
  });
});

/** A resolver that answers from tables and records what it was asked. */
function resolver(keys: Record<string, string[]>, ciphertexts: Record<string, string> = {}) {
  const asked: string[] = [];
  const resolve: KeyResolver = {
    async keyOfAlias(alias) {
      asked.push(`DescribeKey ${alias}`);
      const found = Object.entries(keys).find(([, aliases]) => aliases.includes(alias));
      if (!found) throw gatewayError('Forbidden.AliasNotFound');
      return found[0];
    },
    async aliasesOfKey(keyId) {
      asked.push(`ListAliasesByKeyId ${keyId}`);
      return keys[keyId] ?? [];
    },
    async keyOfCiphertext(blob) {
      asked.push(`Decrypt ${blob}`);
      const key = ciphertexts[blob];
      if (!key) throw gatewayError('InvalidParameter', { parameter: 'CiphertextBlob' });
      return key;
    },
  };
  return { resolve, asked };
}

describe('authorizing a call against the caller’s policy', () => {
  const app = policy(['Encrypt', 'Decrypt', 'ReEncrypt'], ['alias/app-*']);
  const kms = () =>
    resolver(
      { 'key-app': ['alias/app-1'], 'key-other': ['alias/other'] },
      {
        'sealed-by-app': 'key-app',
        'sealed-by-other': 'key-other',
      },
    );

  it('refuses actions outside the list, and lets unlimited callers do anything', async () => {
    const { resolve, asked } = kms();
    expect(
      (await refusal(authorizeCall(call('DescribeKey', { KeyId: 'alias/app-1' }), app, resolve)))
        .code,
    ).toBe('Forbidden.NoPermission');
    expect(
      await authorizeCall(call('ScheduleKeyDeletion', { KeyId: 'x' }), policy(undefined), resolve),
    ).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('Encrypt: its own alias passes without a look-up; another key, by alias, id or ARN, is refused', async () => {
    const { resolve, asked } = kms();
    await authorizeCall(call('Encrypt', { KeyId: 'alias/app-1', Plaintext: 'p' }), app, resolve);
    expect(asked).toEqual([]);
    for (const keyId of [
      'alias/other',
      'key-other',
      'acs:kms:cn-hangzhou:1:key/key-other',
      'acs:kms:cn-hangzhou:1:alias/other',
    ]) {
      const error = await refusal(
        authorizeCall(call('Encrypt', { KeyId: keyId, Plaintext: 'p' }), app, resolve),
      );
      expect(error.status, keyId).toBe(403);
    }
    // Its own key named by id is allowed through the key's aliases.
    await authorizeCall(call('Encrypt', { KeyId: 'key-app', Plaintext: 'p' }), app, resolve);
    expect(asked).toContain('ListAliasesByKeyId key-app');
  });

  it('Decrypt is checked on the answer’s KeyId', async () => {
    const { resolve } = kms();
    const check = await authorizeCall(call('Decrypt', { CiphertextBlob: 'x' }), app, resolve);
    expect(check).toBeTypeOf('function');
    await check?.({ KeyId: 'key-app', Plaintext: 'p' });
    expect(
      (await refusal(check?.({ KeyId: 'key-other', Plaintext: 'p' }) ?? Promise.resolve())).code,
    ).toBe('Forbidden.NoPermission');
    expect((await refusal(check?.({ Plaintext: 'p' }) ?? Promise.resolve())).code).toBe(
      'Forbidden.NoPermission',
    );
  });

  it('ReEncrypt proves a symmetric source by its ciphertext, whatever SourceKeyId says', async () => {
    const { resolve, asked } = kms();
    await authorizeCall(
      call('ReEncrypt', { CiphertextBlob: 'sealed-by-app', DestinationKeyId: 'alias/app-1' }),
      app,
      resolve,
    );
    // The key that made it, then that key's aliases against the caller's alias patterns.
    expect(asked).toEqual(['Decrypt sealed-by-app', 'ListAliasesByKeyId key-app']);
    const error = await refusal(
      authorizeCall(
        call('ReEncrypt', {
          CiphertextBlob: 'sealed-by-other',
          DestinationKeyId: 'alias/app-1',
          SourceKeyId: 'alias/app-1',
        }),
        app,
        resolve,
      ),
    );
    expect(error.code).toBe('Forbidden.NoPermission');
    // A ciphertext KMS cannot read proves nothing: refused, not reported.
    const garbage = await refusal(
      authorizeCall(
        call('ReEncrypt', { CiphertextBlob: 'junk', DestinationKeyId: 'alias/app-1' }),
        app,
        resolve,
      ),
    );
    expect(garbage.code).toBe('Forbidden.NoPermission');
    // Without a way to ask KMS (passthrough), it cannot be proven.
    const blind = await refusal(
      authorizeCall(
        call('ReEncrypt', { CiphertextBlob: 'sealed-by-app', DestinationKeyId: 'alias/app-1' }),
        app,
        undefined,
      ),
    );
    expect(blind.code).toBe('Forbidden.NoPermission');
  });

  it('ReEncrypt with an asymmetric source checks the SourceKeyId KMS will use', async () => {
    const { resolve, asked } = kms();
    const params = {
      CiphertextBlob: 'c',
      DestinationKeyId: 'alias/app-1',
      SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      SourceKeyVersionId: 'v',
    };
    await authorizeCall(call('ReEncrypt', { ...params, SourceKeyId: 'alias/app-1' }), app, resolve);
    expect(asked).toEqual([]);
    expect(
      (
        await refusal(
          authorizeCall(call('ReEncrypt', { ...params, SourceKeyId: 'alias/other' }), app, resolve),
        )
      ).code,
    ).toBe('Forbidden.NoPermission');
  });

  it('refuses resources it does not model to a limited caller, and passes upstream failures on', async () => {
    const { resolve } = kms();
    const certs = policy(['*'], ['alias/app-*']);
    expect(
      (
        await refusal(
          authorizeCall(call('DescribeCertificate', { CertificateId: 'c' }), certs, resolve),
        )
      ).code,
    ).toBe('Forbidden.NoPermission');
    expect(
      (await refusal(authorizeCall(call('TagResources', { 'ResourceId.1': 'k' }), certs, resolve)))
        .code,
    ).toBe('Forbidden.NoPermission');
    const down: KeyResolver = {
      ...resolve,
      aliasesOfKey: async () => {
        throw gatewayError('SerivceUnavailableTemporary', { origin: 'upstream-call' });
      },
    };
    expect(
      (
        await refusal(
          authorizeCall(call('Encrypt', { KeyId: 'key-app', Plaintext: 'p' }), app, down),
        )
      ).code,
    ).toBe('SerivceUnavailableTemporary');
  });

  it('secrets by name or ARN, aliases named by AliasName, keys resolved from aliases', async () => {
    const { resolve } = kms();
    const secrets = policy(['GetSecretValue'], ['secret/app/*']);
    await authorizeCall(call('GetSecretValue', { SecretName: 'app/db' }), secrets, resolve);
    await authorizeCall(
      call('GetSecretValue', { SecretName: 'acs:kms:cn-hangzhou:1:secret/app/db' }),
      secrets,
      resolve,
    );
    expect(
      (
        await refusal(
          authorizeCall(call('GetSecretValue', { SecretName: 'other' }), secrets, resolve),
        )
      ).status,
    ).toBe(403);
    const byKey = policy(['Encrypt', 'CreateAlias'], ['key-app', 'alias/new-*']);
    await authorizeCall(call('Encrypt', { KeyId: 'alias/app-1', Plaintext: 'p' }), byKey, resolve);
    await authorizeCall(
      call('CreateAlias', { KeyId: 'key-app', AliasName: 'alias/new-1' }),
      byKey,
      resolve,
    );
    expect(
      (
        await refusal(
          authorizeCall(
            call('CreateAlias', { KeyId: 'key-other', AliasName: 'alias/new-1' }),
            byKey,
            resolve,
          ),
        )
      ).code,
    ).toBe('Forbidden.NoPermission');
  });
});

describe('the callers directory, kept fresh', () => {
  const doc = (enabled: boolean) =>
    JSON.stringify([{ AccessKeyId: 'k', AccessKeySecret: 's', Enabled: enabled, Actions: ['*'] }]);
  const signal = new AbortController().signal;

  function store(refreshMs: number) {
    let now = 0;
    let text = doc(true);
    let fail = false;
    const reads: number[] = [];
    const failures: string[] = [];
    const callers = createCallerStore({
      source: { kind: 'file', path: 'unused' },
      refreshMs,
      now: () => now,
      read: async () => {
        reads.push(now);
        if (fail) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
        return text;
      },
      onFailure: (reason) => failures.push(reason),
    });
    return {
      callers,
      reads,
      failures,
      at: (ms: number) => {
        now = ms;
      },
      set: (next: string) => {
        text = next;
      },
      failing: (value: boolean) => {
        fail = value;
      },
    };
  }
  const enabled = async (s: ReturnType<typeof store>) =>
    (await s.callers.get(signal)).keys.get('k')?.enabled;

  it('reads once, re-reads in the background after half the interval, waits at the full interval', async () => {
    const s = store(60_000);
    expect(await enabled(s)).toBe(true);
    s.at(10_000);
    await enabled(s);
    expect(s.reads).toEqual([0]);
    s.set(doc(false));
    s.at(31_000);
    // Served the current directory while the re-read runs…
    expect(await enabled(s)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // …which takes effect for the next request.
    expect(await enabled(s)).toBe(false);
    expect(s.reads).toEqual([0, 31_000]);
    s.set(doc(true));
    s.at(31_000 + 60_000);
    // At the full interval, the request waits: the change is in force at once.
    expect(await enabled(s)).toBe(true);
  });

  it('a failed re-read keeps the last good directory, reported once per try, for at most an hour', async () => {
    const s = store(60_000);
    await enabled(s);
    s.failing(true);
    s.at(60_000);
    expect(await enabled(s)).toBe(true);
    expect(s.failures).toEqual(['read failed (ENOENT)']);
    s.at(61_000);
    await enabled(s);
    // Not retried within 5 s of a failure.
    expect(s.reads.length).toBe(2);
    s.at(MAX_STALE_MS + 1);
    await expect(s.callers.get(signal)).rejects.toThrow('could not be re-read for an hour');
    s.failing(false);
    s.at(MAX_STALE_MS + 10_000);
    expect(await enabled(s)).toBe(true);
  });

  it('with nothing read yet, a failure refuses the request, and a bad document is reported', async () => {
    const s = store(60_000);
    s.failing(true);
    await expect(s.callers.get(signal)).rejects.toThrow('read failed (ENOENT)');
    s.failing(false);
    s.set('[{"AccessKeyId":"k","AccessKeySecret":"s"}]');
    await expect(s.callers.get(signal)).rejects.toThrow('Actions must list');
    expect(s.failures).toEqual(['read failed (ENOENT)', '[0].Actions must list actions (or "*")']);
  });
});

describe('nonces in one instance', () => {
  it('a nonce is spent once per key; past the limit the window restarts', async () => {
    const nonces = memoryNonces(3);
    const signal = new AbortController().signal;
    expect(await nonces.claim('a', 'n1', 0, signal)).toBe(true);
    expect(await nonces.claim('a', 'n1', 0, signal)).toBe(false);
    expect(await nonces.claim('b', 'n1', 0, signal)).toBe(true);
    expect(await nonces.claim('a', 'n2', 0, signal)).toBe(true);
    // Three remembered: the next starts a fresh window rather than growing without bound.
    expect(await nonces.claim('a', 'n3', 0, signal)).toBe(true);
    expect(await nonces.claim('a', 'n3', 0, signal)).toBe(false);
  });
});
