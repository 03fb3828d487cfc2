/**
 * The emulator's HTTP server: a real `node:http` listener on 127.0.0.1 that answers KMS RPC
 * calls like `kms.<region>.aliyuncs.com` does, plus an unsigned admin API under `/__emulator/`
 * for injecting faults by hand. It never logs: requests carry secrets and key material.
 *
 * A request goes: faults, authentication (verify.ts), throttling, authorization, the action;
 * then, with a state file, a save when the action may have changed the state.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import type { TypedObject } from '../codec/typed.js';
import { toXmlDocument } from '../codec/xml-write.js';
import { ACTIONS, isImplementedAction } from './actions/index.js';
import { EmulatorError, failure } from './errors.js';
import {
  type Fault,
  FaultBook,
  type FaultScope,
  GARBAGE_BODY,
  htmlPage,
  padJson,
  parseFault,
  parseScope,
  withDoctype,
} from './faults.js';
import { READ_ONLY_ACTIONS, readStateFile, StateFile, serializeState } from './persistence.js';
import { emptyData, type Quotas } from './records.js';
import {
  type Answer,
  type AnswerContext,
  CONTENT_TYPES,
  type Format,
  gatewayError,
  kmsError,
  newRequestId,
  success,
} from './respond.js';
import { EmulatorState } from './state.js';
import { Throttle, type ThrottleOptions } from './throttle.js';
import {
  AccessDenied,
  type AccessKeyConfig,
  type Claim,
  claimOf,
  type Incoming,
  type SignatureVersion,
  Verifier,
} from './verify.js';

export interface EmulatorOptions {
  /** 0 (default) = a free port chosen by the OS */
  port?: number;
  accessKeys: AccessKeyConfig[];
  /** default 'cn-hangzhou' */
  region?: string;
  /** HostId put in error bodies; default `kms.${region}.aliyuncs.com` */
  hostId?: string;
  /** used in ARNs (acs:kms:<region>:<accountId>:key/<id>); default '1234567890123456' */
  accountId?: string;
  /** root of XML success answers: <EncryptResponse> (default) or <KMS> */
  xmlRoot?: 'action' | 'KMS';
  /** clock in ms, default Date.now */
  now?: () => number;
  /** resource limits: one more answers 400 Rejected.LimitExceeded */
  quotas?: Quotas;
  /** a rate for all AccessKeys together; over it answers 400 Throttling (see also per key) */
  throttle?: ThrottleOptions;
  /** faults in place from the start, as if injected in this order */
  faults?: readonly InjectedFault[];
  /**
   * a JSON file holding the state (`state.snapshot()`): loaded at start when it exists, saved
   * (0600, atomically) after each request that changed the state and on close. Default: none,
   * the state lives in memory only.
   */
  statePath?: string;
}

/** A fault and its scope, as `injectFault(fault, scope)` takes them. */
export interface InjectedFault extends FaultScope {
  fault: Fault;
}

/** What one request came to: the status and RequestId it was answered with. */
interface Outcome {
  status: number;
  requestId?: string;
}

export interface RequestRecord {
  action: string | undefined;
  accessKeyId: string | undefined;
  /** the status sent; 0 when the connection was dropped without an answer */
  status: number;
  /** the RequestId answered (body and x-acs-request-id), when the answer had one */
  requestId?: string;
  signatureVersion: SignatureVersion | undefined;
}

export interface Emulator {
  /** 'http://127.0.0.1:<port>' */
  readonly url: string;
  readonly port: number;
  readonly state: EmulatorState;
  injectFault(fault: Fault, scope?: FaultScope): void;
  clearFaults(): void;
  /** one entry per request received, oldest first, no secrets */
  readonly requests: ReadonlyArray<RequestRecord>;
  /** writes the state file now, if there is one and the state changed since it was written */
  save(): Promise<void>;
  /** closes the server and all open (keep-alive) sockets, then saves the state file */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const ADMIN_PREFIX = '/__emulator/';
const FAULTS_PATH = '/__emulator/faults';

interface Body {
  readonly bytes: Buffer;
  readonly tooLarge: boolean;
}

/** The whole body, keeping at most MAX_BODY_BYTES but always draining the stream. */
function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES }));
    req.on('error', reject);
    // A client that goes away mid-body: no 'end' will come.
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/** Null-prototype, so a parameter named `__proto__` or `constructor` is just a parameter. */
function record(entries: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of entries) out[name] = value;
  return out;
}

const isFormBody = (contentType: string | undefined): boolean =>
  contentType === undefined ||
  contentType.trim() === '' ||
  contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');

function toIncoming(req: IncomingMessage, url: URL, body: Buffer): Incoming {
  const headers = record(
    Object.entries(req.headers).flatMap(([name, value]): [string, string][] =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(',') : value]],
    ),
  );
  const query = record(url.searchParams);
  const method = req.method ?? '';
  const form =
    method === 'POST' && isFormBody(headers['content-type'])
      ? new URLSearchParams(body.toString('utf8'))
      : [];
  return {
    method,
    path: url.pathname,
    query,
    params: record([...Object.entries(query), ...form]),
    headers,
    rawBody: body,
  };
}

function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  requestId?: string,
): void {
  const bytes = Buffer.from(body, 'utf8');
  const headers: Record<string, string | number> = {
    'content-type': contentType,
    'content-length': bytes.length,
  };
  if (requestId !== undefined) headers['x-acs-request-id'] = requestId;
  res.writeHead(status, headers);
  res.end(bytes);
}

const sendAnswer = (res: ServerResponse, answer: Answer, contentType = answer.contentType) =>
  send(res, answer.status, contentType, answer.body, answer.requestId);

/** A RAM denial: the gateway shape, its fields in the same order, then AccessDeniedDetail. */
function deniedAnswer(error: AccessDenied, ctx: AnswerContext): Answer {
  const base = gatewayError(error, { ...ctx, format: 'JSON' });
  const fields: TypedObject = {
    ...(JSON.parse(base.body) as TypedObject),
    AccessDeniedDetail: { ...error.detail },
  };
  return {
    ...base,
    format: ctx.format,
    contentType: CONTENT_TYPES[ctx.format],
    body: ctx.format === 'XML' ? toXmlDocument('Error', fields) : JSON.stringify(fields),
  };
}

/** What the action phase came to: the answer, and the action that ran, if one did. */
interface Answered {
  readonly answer: Answer;
  readonly ran?: string;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const region = options.region ?? 'cn-hangzhou';
  const hostId = options.hostId ?? `kms.${region}.aliyuncs.com`;
  const accountId = options.accountId ?? '1234567890123456';
  const xmlRoot = options.xmlRoot ?? 'action';
  const now = options.now ?? Date.now;

  const state = new EmulatorState({ region, accountId, now, quotas: options.quotas ?? {} });
  const verifier = new Verifier({
    accessKeys: options.accessKeys,
    now,
    isAction: isImplementedAction,
  });
  const throttle = new Throttle(options.throttle, options.accessKeys);
  const faults = new FaultBook();
  for (const injected of options.faults ?? []) faults.inject(injected.fault, injected);
  // Loaded before listening: no request ever sees the state without the file's keys.
  let stateFile: StateFile | undefined;
  if (options.statePath !== undefined) {
    const path = resolvePath(options.statePath);
    const data = await readStateFile(path);
    if (data) state.load(data);
    // What load() holds, serialized without another deep copy.
    stateFile = new StateFile(path, data && serializeState({ ...emptyData(), ...data }));
  }
  const save = (): Promise<void> =>
    stateFile ? stateFile.save(serializeState(state.snapshot())) : Promise.resolve();
  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  const sleepers = new Set<() => void>();
  let closing: Promise<void> | undefined;

  const contextFor = (format: Format): AnswerContext => ({
    requestId: newRequestId(),
    format,
    hostId,
  });

  /** The real answer: gateway checks, throttling, authorization, then the action. Never throws. */
  function answerFor(incoming: Incoming, format: Format): Answered {
    const ctx = contextFor(format);
    let verified: ReturnType<Verifier['verify']>;
    try {
      verified = verifier.verify(incoming);
      if (!throttle.admit(verified.accessKeyId, now())) throw failure('Throttling');
      verifier.authorize(verified);
    } catch (error) {
      if (error instanceof AccessDenied) return { answer: deniedAnswer(error, ctx) };
      return {
        answer:
          error instanceof EmulatorError
            ? gatewayError(error, ctx)
            : kmsError(failure('InternalFailure'), ctx),
      };
    }
    const ran = verified.action;
    try {
      const handler = ACTIONS[ran];
      if (!handler) throw failure('InternalFailure');
      const fields = handler({ params: verified.params, state });
      return { answer: success(ran, fields, xmlRoot, ctx), ran };
    } catch (error) {
      const failed = error instanceof EmulatorError ? error : failure('InternalFailure');
      // A failing action may still have changed something before it threw.
      return { answer: kmsError(failed, ctx), ran };
    }
  }

  /**
   * The answer, once what the action changed is in the state file. Reads skip the save by name;
   * other actions compare the state's JSON with the file's, so an unchanged state writes nothing.
   */
  async function respond(incoming: Incoming, format: Format): Promise<Answer> {
    const { answer, ran } = answerFor(incoming, format);
    if (stateFile && ran !== undefined && !READ_ONLY_ACTIONS.has(ran)) await save();
    return answer;
  }

  /** Resolves after `ms`, or at once when the emulator closes. */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }

  /** The admin answer: a status, and a JSON `{error}` body when something is wrong. */
  function adminAnswer(method: string | undefined, path: string, body: Body): [number, string?] {
    if (path !== FAULTS_PATH) return [404, 'no such admin endpoint'];
    if (method === 'DELETE') {
      faults.clear();
      return [204];
    }
    if (method !== 'POST') return [405, 'use POST or DELETE'];
    if (body.tooLarge) return [413, 'body too large'];
    try {
      const parsed: unknown = JSON.parse(body.bytes.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new TypeError('body must be a JSON object');
      }
      const request = parsed as { fault?: unknown; accessKeyId?: unknown; times?: unknown };
      faults.inject(parseFault(request.fault), parseScope(request));
    } catch (error) {
      return [400, error instanceof Error ? error.message : 'invalid request'];
    }
    return [204];
  }

  function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, body: Body): void {
    const [status, message] = adminAnswer(req.method, url.pathname, body);
    if (status === 405) res.setHeader('allow', 'POST, DELETE');
    if (message === undefined) {
      res.writeHead(status);
      res.end();
    } else {
      send(res, status, CONTENT_TYPES.JSON, JSON.stringify({ error: message }));
    }
  }

  async function handleKms(
    req: IncomingMessage,
    res: ServerResponse,
    incoming: Incoming,
    claim: Claim,
    tooLarge: boolean,
  ): Promise<Outcome> {
    if (tooLarge) {
      const answer = gatewayError(
        failure('ParseRequestParameterException'),
        contextFor(claim.format),
      );
      sendAnswer(res, answer);
      return { status: answer.status, requestId: answer.requestId };
    }
    const fault = faults.take(claim.accessKeyId);
    switch (fault?.kind) {
      case undefined:
      case 'latency': {
        if (fault) {
          await sleep(fault.ms);
          if (closing || req.socket.destroyed) return { status: 0 };
        }
        const answer = await respond(incoming, claim.format);
        sendAnswer(res, answer);
        return { status: answer.status, requestId: answer.requestId };
      }
      case 'status': {
        const code = fault.status === 500 ? 'InternalFailure' : 'ServiceUnavailableTemporary';
        const answer = gatewayError(failure(code), contextFor(claim.format));
        sendAnswer(res, answer);
        return { status: answer.status, requestId: answer.requestId };
      }
      case 'drop':
        req.socket.destroy();
        return { status: 0 };
      case 'truncate': {
        const answer = await respond(incoming, claim.format);
        const bytes = Buffer.from(answer.body, 'utf8');
        res.writeHead(answer.status, {
          'content-type': answer.contentType,
          'content-length': bytes.length,
          'x-acs-request-id': answer.requestId,
        });
        res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
        return { status: answer.status, requestId: answer.requestId };
      }
      case 'html': {
        const status = fault.status ?? 502;
        send(res, status, 'text/html', htmlPage(status));
        return { status };
      }
      case 'content-type': {
        const answer = await respond(incoming, claim.format);
        sendAnswer(res, answer, fault.value);
        return { status: answer.status, requestId: answer.requestId };
      }
      case 'doctype': {
        const answer = await respond(incoming, 'XML');
        const body = withDoctype(answer.body, answer.requestId);
        send(res, answer.status, answer.contentType, body, answer.requestId);
        return { status: answer.status, requestId: answer.requestId };
      }
      case 'oversize': {
        const answer = await respond(incoming, 'JSON');
        const body = padJson(answer.body, fault.bytes);
        send(res, answer.status, answer.contentType, body, answer.requestId);
        return { status: answer.status, requestId: answer.requestId };
      }
      case 'garbage':
        send(res, 200, CONTENT_TYPES[claim.format], GARBAGE_BODY);
        return { status: 200 };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = parseTarget(req.url);
    if (url?.pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(req, res, url, body);
    const incoming = toIncoming(req, url ?? new URL('http://127.0.0.1'), body.bytes);
    // An unparsable request target is no route; the gateway answers it as an unknown api.
    const routed: Incoming = url ? incoming : { ...incoming, path: '' };
    const claim = claimOf(routed);
    const entry: RequestRecord = {
      action: claim.action,
      accessKeyId: claim.accessKeyId,
      status: 0,
      signatureVersion: claim.signatureVersion,
    };
    requests.push(entry);
    try {
      const outcome = await handleKms(req, res, routed, claim, body.tooLarge);
      entry.status = outcome.status;
      if (outcome.requestId !== undefined) entry.requestId = outcome.requestId;
    } catch {
      entry.status = 500;
      if (res.headersSent) {
        req.socket.destroy();
        return;
      }
      sendAnswer(res, kmsError(failure('InternalFailure'), contextFor(claim.format)));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // Reading the body failed (the client went away): nothing left to answer.
      req.socket.destroy();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    injectFault: (fault, scope) => faults.inject(fault, scope),
    clearFaults: () => faults.clear(),
    get requests() {
      return requests;
    },
    save,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        for (const wake of [...sleepers]) wake();
      }).then(save);
      return closing;
    },
  };
}
