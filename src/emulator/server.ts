/**
 * The emulator: a real `node:http` listener on 127.0.0.1 that answers KMS RPC calls like
 * `kms.<region>.aliyuncs.com` does (kms-service.ts), with an unsigned admin API under
 * `/__emulator/` for injecting faults by hand (admin.ts); with `sts` options, a second listener
 * that answers STS `AssumeRole` like `sts.aliyuncs.com` does (sts-service.ts), whose temporary
 * credentials the KMS listener accepts. Here the parts are put together and taken apart:
 * options, state and state file, verifiers, throttle, faults, request log.
 */
import { resolve as resolvePath } from 'node:path';
import { isImplementedAction } from './actions/index.js';
import type { Fault, FaultScope } from './faults.js';
import { FaultBook } from './faults.js';
import { KmsService } from './kms-service.js';
import { type Listener, listen, Naps } from './listener.js';
import { openStateFile, type StateFile, serializeState } from './persistence.js';
import type { Quotas } from './records.js';
import { RequestLog, type RequestRecord } from './request-log.js';
import { EmulatorState } from './state.js';
import { TemporaryCredentials } from './sts-credentials.js';
import {
  checkStsOptions,
  STS_ACTION,
  STS_API_VERSION,
  type StsOptions,
  StsService,
} from './sts-service.js';
import { Throttle, type ThrottleOptions } from './throttle.js';
import { type AccessKeyConfig, Verifier } from './verify.js';

export type { RequestRecord } from './request-log.js';

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
  /** how many requests `requests` keeps, the most recent; default 1000 */
  requestLogSize?: number;
  /** STS `AssumeRole` on a port of its own, for these roles; default: no STS */
  sts?: StsOptions;
}

/** A fault and its scope, as `injectFault(fault, scope)` takes them. */
export interface InjectedFault extends FaultScope {
  fault: Fault;
}

export interface Emulator {
  /** 'http://127.0.0.1:<port>' */
  readonly url: string;
  readonly port: number;
  /** the STS listener (`url` is what `sts.aliyuncs.com` stands for), when `sts` was given */
  readonly sts: { readonly url: string; readonly port: number } | undefined;
  readonly state: EmulatorState;
  injectFault(fault: Fault, scope?: FaultScope): void;
  clearFaults(): void;
  /** the most recent requests received (`requestLogSize`), oldest first, no secrets */
  readonly requests: ReadonlyArray<RequestRecord>;
  /** writes the state file now, if there is one and the state changed since it was written */
  save(): Promise<void>;
  /** closes the server and all open (keep-alive) sockets, then saves the state file */
  close(): Promise<void>;
}

/** What the STS listener shares with the KMS one. */
interface Shared {
  readonly accessKeys: readonly AccessKeyConfig[];
  readonly now: () => number;
  readonly temporary: TemporaryCredentials;
  readonly faults: FaultBook;
  readonly log: RequestLog;
  readonly naps: Naps;
}

/** The STS listener: AssumeRole for `sts.roles`, verified as STS's gateway verifies. */
function listenSts(sts: StsOptions, shared: Shared): Promise<Listener> {
  const { accessKeys, now, temporary, faults, log, naps } = shared;
  const service = new StsService({
    sts,
    credentials: temporary,
    now,
    verifier: new Verifier({
      accessKeys,
      now,
      isAction: (action) => action === STS_ACTION,
      version: STS_API_VERSION,
      mismatch: 'SignatureDoesNotMatch',
      // A temporary key may sign AssumeRole; it is refused for want of permission, not unknown.
      temporaryKey: (id, at) => temporary.keyOf(id, at),
    }),
  });
  return listen({ port: sts.port ?? 0, service, faults, log, naps, admin: false });
}

/**
 * @throws RangeError for unusable STS options
 * @throws Error when a listener cannot start (a port in use), after closing the one that had
 */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const region = options.region ?? 'cn-hangzhou';
  const accountId = options.accountId ?? '1234567890123456';
  const now = options.now ?? Date.now;

  const log = new RequestLog(options.requestLogSize);
  if (options.sts) {
    checkStsOptions(
      options.sts,
      options.accessKeys.map((key) => key.id),
    );
  }
  const state = new EmulatorState({ region, accountId, now, quotas: options.quotas ?? {} });
  // Issued by STS, accepted by KMS.
  const temporary = options.sts && new TemporaryCredentials();
  const temporaryKey = temporary && ((id: string, at: number) => temporary.keyOf(id, at));
  const verifier = new Verifier({
    accessKeys: options.accessKeys,
    now,
    isAction: isImplementedAction,
    ...(temporaryKey ? { temporaryKey } : {}),
  });
  const throttle = new Throttle(options.throttle, options.accessKeys);
  const faults = new FaultBook();
  for (const injected of options.faults ?? []) faults.inject(injected.fault, injected);
  // Loaded before listening: no request ever sees the state without the file's keys.
  const stateFile: StateFile | undefined =
    options.statePath === undefined
      ? undefined
      : await openStateFile(resolvePath(options.statePath), state);
  const save = (): Promise<void> =>
    stateFile ? stateFile.save(serializeState(state.snapshot())) : Promise.resolve();
  const naps = new Naps();

  const kms = new KmsService({
    state,
    verifier,
    throttle,
    now,
    hostId: options.hostId ?? `kms.${region}.aliyuncs.com`,
    xmlRoot: options.xmlRoot ?? 'action',
    save: stateFile && save,
  });
  const listener = await listen({
    port: options.port ?? 0,
    service: kms,
    faults,
    log,
    naps,
    admin: true,
  });
  const stsListener =
    options.sts &&
    temporary &&
    (await listenSts(options.sts, { ...options, now, temporary, faults, log, naps }).catch(
      async (error: unknown) => {
        await listener.close();
        throw error;
      },
    ));
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${listener.port}`,
    port: listener.port,
    sts: stsListener && {
      url: `http://127.0.0.1:${stsListener.port}`,
      port: stsListener.port,
    },
    state,
    injectFault: (fault, scope) => faults.inject(fault, scope),
    clearFaults: () => faults.clear(),
    get requests() {
      return log.entries;
    },
    save,
    close() {
      closing ??= (async () => {
        const closed = Promise.all([listener.close(), stsListener?.close()]);
        naps.wakeAll();
        await closed;
        await save();
      })();
      return closing;
    },
  };
}
