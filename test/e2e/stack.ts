/**
 * The local stack for end-to-end tests: the KMS emulator in this process and the function behind
 * a real serverless-offline HTTP API in a child process, on ports picked here, stopped by the test.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { type OfflineGateway, startOffline } from '../../src/local/offline.js';
import { canonicalQuery } from '../../src/protocol/percent-encode.js';
import { API_VERSION } from '../../src/protocol/rpc.js';
import { signV1 } from '../../src/protocol/sign-v1.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';

export const ACCESS_KEY = { id: 'LTAI5tE2eTestKey0001', secret: 'e2e-secret-0123456789abcdef' };
export const HOST_ID = 'kms.cn-hangzhou.aliyuncs.com';

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
  readonly env?: Readonly<Record<string, string>>;
  readonly emulator?: Partial<EmulatorOptions>;
  /** point the gateway here instead of at the emulator */
  readonly endpoint?: string;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startEmulator({
    accessKeys: [ACCESS_KEY],
    hostId: HOST_ID,
    ...options.emulator,
  });
  const output: string[] = [];
  let gateway: OfflineGateway;
  try {
    gateway = await startOffline({
      port: await freePort(),
      lambdaPort: await freePort(),
      env: {
        KMS_ENDPOINT: options.endpoint ?? emulator.url,
        ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.id,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.secret,
        ...options.env,
      },
      onOutput: (line) => output.push(line),
    });
  } catch (error) {
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
    },
  };
}

export interface CallOptions {
  readonly method?: string;
  readonly accept?: string;
  /** passthrough callers sign; these tweak what they sign */
  readonly signing?: {
    readonly accessKey?: { id: string; secret: string };
    readonly timestamp?: Date;
    readonly nonce?: string;
    readonly tamper?: boolean;
  };
}

/** How a caller talks to the gateway: plain parameters (sign mode) or V1-signed (passthrough). */
export interface Caller {
  readonly signs: boolean;
  call(params: Record<string, string>, options?: CallOptions): Promise<Response>;
  /** the exact query or body text a call would send, for replaying it */
  encode(params: Record<string, string>, options?: CallOptions): string;
}

/** The signature with its first character changed: always a different, wrong signature. */
export const tampered = (signature: string): string =>
  `${signature.startsWith('x') ? 'y' : 'x'}${signature.slice(1)}`;

export function caller(stack: () => Stack, signs: boolean): Caller {
  function encode(params: Record<string, string>, options: CallOptions = {}): string {
    if (!signs) return new URLSearchParams(params).toString();
    const method = options.method === 'GET' ? 'GET' : 'POST';
    const key = options.signing?.accessKey ?? ACCESS_KEY;
    const signed = signV1(
      { Version: API_VERSION, ...params },
      { accessKeyId: key.id, accessKeySecret: key.secret },
      {
        method,
        nonce: options.signing?.nonce ?? randomUUID(),
        timestamp: alibabaTimestamp(options.signing?.timestamp ?? new Date()),
      },
    );
    if (options.signing?.tamper) signed.Signature = tampered(signed.Signature as string);
    return canonicalQuery(signed);
  }
  return {
    signs,
    encode,
    call: (params, options = {}) => send(stack(), encode(params, options), options),
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
