/**
 * The local stack for end-to-end tests: the KMS emulator in this process and the function behind
 * a real serverless-offline HTTP API (or REST API, `api: 'rest'`) in a child process, on ports
 * picked here, stopped by the test.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { type OfflineGateway, startOffline } from '../../src/local/offline.js';
import { canonicalQuery } from '../../src/protocol/percent-encode.js';
import { API_VERSION } from '../../src/protocol/rpc.js';
import { signV1 } from '../../src/protocol/sign-v1.js';
import { signV3 } from '../../src/protocol/sign-v3.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';

export const ACCESS_KEY = { id: 'LTAI5tE2eTestKey0001', secret: 'e2e-secret-0123456789abcdef' };
export const HOST_ID = 'kms.cn-hangzhou.aliyuncs.com';
/** The caller key sign-mode stacks let in, allowed every action: callers sign as for KMS. */
export const CALLER_KEY = { id: 'KMSN-e2e-caller-0001', secret: 'e2e-caller-secret-0123456789' };

export type CallerEntry = Record<string, unknown>;

/** Writes a callers document to a fresh file; the returned function removes it. */
export function callersFile(entries: readonly CallerEntry[]): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kmsn-callers-'));
  const path = join(dir, 'callers.json');
  writeFileSync(path, JSON.stringify(entries), { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Stack {
  readonly gateway: OfflineGateway;
  readonly emulator: Emulator;
  /** every line serverless-offline printed, the function's log lines included */
  readonly output: string[];
  /** the function's JSON log lines */
  logLines(): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** the API Gateway variant serverless.yml deploys (KMS_API); HTTP API by default */
  readonly api?: 'http' | 'rest';
  readonly env?: Readonly<Record<string, string>>;
  readonly emulator?: Partial<EmulatorOptions>;
  /** point the gateway here instead of at the emulator */
  readonly endpoint?: string;
  /** more entries of the callers document (sign mode with caller signatures) */
  readonly callers?: readonly CallerEntry[];
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startEmulator({
    accessKeys: [ACCESS_KEY],
    hostId: HOST_ID,
    ...options.emulator,
  });
  const output: string[] = [];
  // Sign-mode stacks run as deployed: callers sign with a caller key from a callers document.
  const callers = callersFile([
    { AccessKeyId: CALLER_KEY.id, AccessKeySecret: CALLER_KEY.secret, Actions: ['*'] },
    ...(options.callers ?? []),
  ]);
  let gateway: OfflineGateway;
  try {
    gateway = await startOffline({
      port: await freePort(),
      lambdaPort: await freePort(),
      api: options.api,
      env: {
        KMS_ENDPOINT: options.endpoint ?? emulator.url,
        ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.secret,
        ...(options.env?.KMS_MODE === 'passthrough' ? {} : { KMS_CALLER_KEYS_FILE: callers.path }),
        ...options.env,
      },
      onOutput: (line) => output.push(line),
    });
  } catch (error) {
    callers.remove();
    await emulator.close();
    throw error;
  }
  return {
    gateway,
    emulator,
    output,
    logLines: () =>
      output
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: async () => {
      await gateway.stop();
      await emulator.close();
      callers.remove();
    },
  };
}

export interface CallOptions {
  readonly method?: string;
  readonly accept?: string;
  /** what the caller signs with, and how; tweaks to make a signature fail */
  readonly signing?: {
    readonly accessKey?: { id: string; secret: string };
    readonly timestamp?: Date;
    readonly nonce?: string;
    readonly tamper?: boolean;
    readonly securityToken?: string;
  };
}

/**
 * How a caller talks to the gateway. Passthrough callers sign for KMS with its AccessKey
 * (V1); sign-mode callers sign for the gateway with a caller key, V1 in the parameters or V3
 * as the Tea clients do (Action and Version in headers, parameters in the query); `unsigned`
 * sends the parameters plain.
 */
export type Signing = 'passthrough' | 'caller-v1' | 'caller-v3' | 'unsigned';

export interface Caller {
  readonly signing: Signing;
  call(params: Record<string, string>, options?: CallOptions): Promise<Response>;
  /** the exact query or body text a V1 call would send, for replaying it */
  encode(params: Record<string, string>, options?: CallOptions): string;
}

/** The signature with its first character changed: always a different, wrong signature. */
export const tampered = (signature: string): string =>
  `${signature.startsWith('x') ? 'y' : 'x'}${signature.slice(1)}`;

/** `true` (passthrough) and `false` (sign mode, caller key V1) read as before. */
export function caller(stack: () => Stack, how: boolean | Signing): Caller {
  const signing: Signing = how === true ? 'passthrough' : how === false ? 'caller-v1' : how;
  const defaultKey = signing === 'passthrough' ? ACCESS_KEY : CALLER_KEY;

  function encode(params: Record<string, string>, options: CallOptions = {}): string {
    if (signing === 'unsigned') return new URLSearchParams(params).toString();
    const method = options.method === 'GET' ? 'GET' : 'POST';
    const key = options.signing?.accessKey ?? defaultKey;
    const signed = signV1(
      { Version: API_VERSION, ...params },
      {
        accessKeyId: key.id,
        accessKeySecret: key.secret,
        securityToken: options.signing?.securityToken,
      },
      {
        method,
        nonce: options.signing?.nonce ?? randomUUID(),
        timestamp: alibabaTimestamp(options.signing?.timestamp ?? new Date()),
      },
    );
    if (options.signing?.tamper) signed.Signature = tampered(signed.Signature as string);
    return canonicalQuery(signed);
  }

  function callV3(params: Record<string, string>, options: CallOptions): Promise<Response> {
    const { Action: action = '', ...query } = params;
    const url = new URL(stack().gateway.url);
    const key = options.signing?.accessKey ?? defaultKey;
    const headers = signV3(
      query,
      {
        accessKeyId: key.id,
        accessKeySecret: key.secret,
        securityToken: options.signing?.securityToken,
      },
      {
        method: 'POST',
        host: url.host,
        action,
        version: API_VERSION,
        nonce: options.signing?.nonce ?? randomUUID(),
        date: alibabaTimestamp(options.signing?.timestamp ?? new Date()),
      },
    );
    if (options.signing?.tamper) {
      headers.authorization = headers.authorization?.replace(
        /Signature=(.)/,
        (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`,
      ) as string;
    }
    const { host: _host, ...sendable } = headers;
    if (options.accept !== undefined) sendable.accept = options.accept;
    const qs = canonicalQuery(query);
    const method = options.method ?? 'POST';
    return fetch(`${url.href}${qs ? `?${qs}` : ''}`, { method, headers: sendable });
  }

  return {
    signing,
    encode,
    call: (params, options = {}) =>
      signing === 'caller-v3'
        ? callV3(params, options)
        : send(stack(), encode(params, options), options),
  };
}

/** Sends an encoded parameter string: in the query for GET (and PUT), as a form body for POST. */
export function send(stack: Stack, encoded: string, options: CallOptions = {}): Promise<Response> {
  const method = options.method ?? 'POST';
  const headers: Record<string, string> = {};
  if (options.accept !== undefined) headers.accept = options.accept;
  if (method === 'POST') {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return fetch(stack.gateway.url, { method, headers, body: encoded });
  }
  return fetch(`${stack.gateway.url}?${encoded}`, { method, headers });
}

/** Waits until the function has printed a log line matching `match` (logs trail the answer). */
export async function waitForLog(
  stack: Stack,
  match: (line: Record<string, unknown>) => boolean,
  timeoutMs = 3000,
): Promise<Record<string, unknown>[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const lines = stack.logLines().filter(match);
    if (lines.length > 0 || Date.now() > until) return lines;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
