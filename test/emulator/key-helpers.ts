/**
 * Shared by the key-domain tests (keys, asymmetric, import): an emulator on a hand-moved clock,
 * signed calls at that clock, the KMS error shape, and checks that an answer carries exactly the
 * response fields the metadata lists, with their types, in JSON and in XML.
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { typeObject } from '../../src/codec/typed.js';
import { readXml } from '../../src/codec/xml-read.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { alibabaTimestamp } from '../../src/protocol/timestamp.js';
import { jsonProblems } from '../support/schema-check.js';
import { ACCESS_KEYS, callV1, type HttpResult, ok, XML_TYPE } from './helpers.js';

export const ACCOUNT = '1234567890123456';
export const START = Date.parse('2025-06-01T12:00:00Z');
export const DAY = 86_400_000;

export const invalid = (name: string) => `The specified parameter "${name}" is not valid.`;
export const missing = (name: string) => `The parameter "${name}" is needed but not provided.`;

export const MESSAGES = {
  InvalidCiphertext: 'The specified Ciphertext is not valid.',
  KeyNotFound: 'The specified Key is not found.',
  AliasNotFound: 'The specified Alias is not found.',
  KeyVersionNotFound: 'The specified Key version is not found.',
  Disabled: 'The request was rejected because the key state is Disabled.',
  PendingDeletion: 'The request was rejected because the key state is PendingDeletion.',
  PendingImport: 'The request was rejected because the key state is PendingImport.',
  StateModifiedFailed: 'Keystate modified failed.',
  UnsupportedOperation: 'This action is not supported.',
  RejectedUnsupportedOperation: 'Unsupported operation.',
  LimitExceeded: 'The request was rejected because user create resource limit was exceeded.',
  UnsupportedOrigin: 'This key origin is not valid for this api.',
  InvalidKeyMaterial: 'key material is invalid.',
  InvalidImportToken: 'import token is invalid.',
  ExpiredImportToken: 'import token is expired.',
  DKMSInstanceNotFound: 'The specified DKMS Instance is not found.',
} as const;

export interface Harness {
  readonly emulator: Emulator;
  /** the emulator clock, in ms; reset to START before each test */
  now(): number;
  advance(ms: number): void;
  call(params: Record<string, string>): Promise<HttpResult>;
  succeed(params: Record<string, string>): Promise<Record<string, unknown>>;
}

/** Starts one emulator for the file and resets its state and clock before each test. */
export function useEmulator(options: Partial<EmulatorOptions> = {}): Harness {
  let clock = START;
  let emulator: Emulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator({ accessKeys: ACCESS_KEYS, now: () => clock, ...options });
  });
  afterAll(() => emulator?.close());
  beforeEach(() => {
    clock = START;
    emulator?.state.reset();
  });
  const started = (): Emulator => {
    if (!emulator) throw new Error('the emulator is not started');
    return emulator;
  };
  const signing = () => ({ timestamp: alibabaTimestamp(new Date(clock)) });
  return {
    get emulator() {
      return started();
    },
    now: () => clock,
    advance(ms) {
      clock += ms;
    },
    call: (params) => callV1(started(), params, signing()),
    succeed: (params) => ok(started(), params, signing()),
  };
}

/** A JSON answer holds exactly the action's metadata response fields, typed as it says. */
export function expectJsonSchema(action: string, body: unknown): void {
  const spec = ACTIONS[action];
  if (!spec) throw new Error(`no metadata for ${action}`);
  expect(jsonProblems(body, spec.response)).toEqual([]);
}

/**
 * An XML answer: `<ActionResponse>` holding exactly the metadata's fields. Read back with the
 * project's schema-typed reader, integers and booleans must come out typed.
 */
export function expectXmlSchema(action: string, result: HttpResult): Record<string, unknown> {
  const spec = ACTIONS[action];
  if (!spec) throw new Error(`no metadata for ${action}`);
  expect(result.status).toBe(200);
  expect(result.headers['content-type']).toBe(XML_TYPE);
  const document = readXml(result.body);
  expect(document.root).toBe(`${action}Response`);
  const typed = typeObject(document.content, spec.response);
  expect(jsonProblems(typed, spec.response)).toEqual([]);
  return typed;
}

/**
 * Calls once in JSON and once in XML (`params` built fresh for each: some calls change state),
 * checks both against the metadata, and returns the JSON body.
 */
export async function expectBothFormats(
  harness: Harness,
  params: () => Record<string, string> | Promise<Record<string, string>>,
): Promise<Record<string, unknown>> {
  const jsonParams = await params();
  const action = jsonParams.Action as string;
  const body = await harness.succeed(jsonParams);
  expectJsonSchema(action, body);
  expectXmlSchema(action, await harness.call({ ...(await params()), Format: 'XML' }));
  return body;
}
