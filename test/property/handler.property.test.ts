/**
 * Fuzzing the whole handler (issue 7, "Prove it stays closed"), as Middy fuzzes each middleware:
 * for any event and any upstream answer, served by a real local HTTP server, the response is a
 * success or the five-field envelope, well-formed in its format, `HttpStatus` equal to the
 * status, with valid header values, no stack frame, within the deadline; and no planted secret
 * (the function's credentials, the request's secret parameters, echoed by the upstream in any
 * field and encoding) appears in any log line.
 *
 * Two properties: hostile events against any answer, and plausible calls against hostile
 * answers. Deadlines here leave 500 ms or more beyond the 300 ms upstream budget, so a busy
 * machine cannot fail a run by scheduling alone; requests with the deadline near are
 * test/integration/hardening.test.ts's. fast-check prints the seed and the shrunk case of a failure; `npm run fuzz` runs each
 * 10 000 times.
 */
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_BODY_BYTES, MAX_PARAMETERS } from '../../src/http/limits.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import type { Format } from '../../src/protocol/rpc.js';
import {
  captureLogs,
  type Handler,
  handlerWith,
  type LocalServer,
  lambdaContext,
  startLocalServer,
  VALID_HEADER_VALUE,
} from '../support/in-process.js';
import { leakIn } from '../support/leaks.js';
import { runs } from '../support/runs.js';

// ---------------------------------------------------------------------------------------------
// The function under test, three ways, and the upstream it calls.

const FUNCTION_KEY = {
  id: 'LTAI5tFuzzFunctionKeyQ7x',
  secret: 'Fz+Fn/Secret=Qm8Kx2Lp9Rw4Tz6Vb1Nc',
  token: 'STS.Fz+Token/Pq7Wm3Xk5Yj8Hd2Gs4Ua0Ce',
};

type Mode = 'sign-v1' | 'sign-v3' | 'passthrough';
const handlers = {} as Record<Mode, Handler>;

/** What the upstream does with the next request; planted secrets already resolved. */
interface Delivery {
  kind: 'answer' | 'destroy' | 'delay';
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  delayMs: number;
}
let delivery: Delivery = { kind: 'answer', status: 200, headers: {}, body: '', delayMs: 0 };
let upstream: LocalServer;
let logs: string[];

beforeAll(async () => {
  upstream = await startLocalServer((_request, _body, response) => {
    const { kind, status, headers, body, delayMs } = delivery;
    if (kind === 'destroy') {
      response.destroy();
      return;
    }
    const send = () => {
      response.writeHead(status, headers);
      response.end(body);
    };
    if (kind === 'delay') setTimeout(send, delayMs).unref();
    else send();
  });
  const saved = { ...process.env };
  const common = {
    KMS_ENDPOINT: upstream.url,
    KMS_TIMEOUT_MS: '300',
    KMS_ACCESS_LOG: 'true',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };
  const signing = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: FUNCTION_KEY.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: FUNCTION_KEY.secret,
    ALIBABA_CLOUD_SECURITY_TOKEN: FUNCTION_KEY.token,
  };
  const envs: Record<Mode, Record<string, string>> = {
    'sign-v1': { ...common, ...signing },
    'sign-v3': {
      ...common,
      ...signing,
      KMS_SIGNATURE_VERSION: 'v3',
      KMS_UPSTREAM_FORMAT: 'XML',
    },
    passthrough: { ...common, KMS_MODE: 'passthrough' },
  };
  for (const [mode, env] of Object.entries(envs)) {
    handlers[mode as Mode] = await handlerWith(env);
    process.env = { ...saved };
  }
  logs = captureLogs();
});

afterAll(async () => {
  vi.restoreAllMocks();
  await upstream.close();
});

// ---------------------------------------------------------------------------------------------
// Arbitraries

const ACTION_NAMES = Object.keys(ACTIONS);
/** Actions a call can name with nothing else: most hostile events that get this far go upstream. */
const BARE_ACTIONS = ACTION_NAMES.filter((name) => !ACTIONS[name]?.params.some((p) => p.required));

/** Every required parameter of an action, with a value of its kind. */
function requiredParams(action: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const param of ACTIONS[action]?.params ?? []) {
    if (!param.required) continue;
    if (param.kind === 'list') out[`${param.name}.1`] = 'x';
    else {
      const values: Record<string, string> = { integer: '10', boolean: 'true', json: '{}' };
      out[param.name] = values[param.kind] ?? 'x';
    }
  }
  return out;
}
const SECRET_PARAMS = ['Plaintext', 'CiphertextBlob', 'SecretData', 'Signature', 'Password'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A planted secret: 24–40 characters of base64, high-entropy enough to be told from noise. */
const plantedValue = fc
  .array(fc.integer({ min: 0, max: 63 }), { minLength: 24, maxLength: 40 })
  .map((digits) => `Pl${digits.map((d) => B64[d]).join('')}`)
  .filter((value) => new Set(value).size > 12);

/** Text of every kind: controls, markup, escapes, non-Latin-1, lone surrogates. */
const anyText = (maxLength = 40) =>
  fc.string({
    unit: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...'aZ09 -_.,:;/=+&%<>"\'\\'.split('')) },
      { weight: 2, arbitrary: fc.constantFrom('\r', '\n', '\t', '\u0000', '\u007f', '\u0085') },
      { weight: 2, arbitrary: fc.constantFrom('é', 'ſ', '中', '😀', '\u2028', '\uFEFF') },
      { weight: 1, arbitrary: fc.constantFrom('\uD800', '\uDC00', '\uFFFE') },
      {
        weight: 2,
        arbitrary: fc.constantFrom('%FF', '%ZZ', '%E4%B8%AD', '&#0;', '&amp;', '\\u0041'),
      },
    ),
    maxLength,
  });

/** Encodes a component the way a client might, or not at all; never throws. */
const encoders: ((s: string) => string)[] = [
  (s) => s,
  (s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return s;
    }
  },
  (s) => {
    try {
      return new URLSearchParams({ x: s }).toString().slice(2);
    } catch {
      return s;
    }
  },
];

type Value = string | { planted: number };
const paramName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('Action', 'Format', 'Version', 'KeyId', 'PageSize') },
  { weight: 1, arbitrary: fc.constantFrom(...SECRET_PARAMS, 'AccessKeyId', 'SecurityToken') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('EncryptionContext', '__proto__', 'action', 'Act\tion', ''),
  },
  { weight: 1, arbitrary: anyText(12) },
);
const paramValue: fc.Arbitrary<Value> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ACTION_NAMES.slice(0, 30), 'ListKeys', 'Encrypt') },
  { weight: 2, arbitrary: fc.constantFrom('json', 'XML', 'xml', 'jſon', 'yaml', '2016-01-20', '') },
  { weight: 1, arbitrary: fc.constantFrom('{"a":"b"}', '10', '-1', 'true', 'alias/demo') },
  { weight: 3, arbitrary: anyText() },
);
/**
 * A parameter: any name with any value, or a secret parameter with a planted value. Planted
 * values go in secret parameters only: elsewhere (in Action, say) they are no secret of the
 * function's, and the caller may see them logged.
 */
const param = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(paramName, paramValue, fc.nat(2)) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constantFrom(...SECRET_PARAMS, 'SecurityToken'),
      fc.nat(3).map((planted): Value => ({ planted })),
      fc.nat(2),
    ),
  },
);

const headerValue = fc.oneof(
  { weight: 4, arbitrary: anyText(30) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/xml',
      'text/xml',
      '*/*',
      'image/png',
      'application/xml;q=0, */*;q=0.1',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-8',
      'application/x-www-form-urlencoded; charset=€',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(5, null, ['a', 'b'], { x: 1 }, true) },
);

const hostileEvent = fc.record({
  shape: fc.constantFrom('http-api', 'rest'),
  method: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('GET', 'POST') },
    { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'get', 'post', 'OPTIONS', 'PATCH') },
    { weight: 1, arbitrary: anyText(8) },
  ),
  action: fc.option(fc.constantFrom(...BARE_ACTIONS), { freq: 3 }),
  query: fc.array(param, { maxLength: 8 }),
  rawQuery: fc.option(anyText(60), { freq: 8 }),
  bodyKind: fc.constantFrom('none', 'form', 'json', 'bytes', 'text'),
  body: fc.array(param, { maxLength: 8 }),
  bytes: fc.uint8Array({ maxLength: 64 }),
  base64: fc.boolean(),
  size: fc.oneof(
    { weight: 20, arbitrary: fc.constant(0) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        MAX_BODY_BYTES - 64,
        MAX_BODY_BYTES + 1,
        4 * MAX_BODY_BYTES,
        -MAX_PARAMETERS,
        -(MAX_PARAMETERS + 1),
        -5000,
      ),
    },
  ),
  headers: fc.dictionary(
    fc.oneof(
      fc.constantFrom('accept', 'Accept', 'content-type', 'Content-Type', 'host'),
      anyText(10),
    ),
    headerValue,
    { maxKeys: 4 },
  ),
  requestId: fc.oneof(fc.constant('gw-req-fuzz'), anyText(20)),
  remainingMs: fc.integer({ min: 800, max: 3000 }),
  mode: fc.constantFrom<Mode>('sign-v1', 'sign-v3', 'passthrough'),
});
type HostileEvent = typeof hostileEvent extends fc.Arbitrary<infer T> ? T : never;

/** What the upstream echoes: plain text, a secret in some encoding (or part of it), or a lot. */
type Echo = string | { secret: number; encoding: number; from: number; length: number };
const echoed: fc.Arbitrary<Echo> = fc.oneof(
  { weight: 3, arbitrary: anyText(30) },
  {
    weight: 3,
    arbitrary: fc.record({
      secret: fc.nat(6),
      encoding: fc.nat(5),
      from: fc.nat(20),
      length: fc.integer({ min: 12, max: 60 }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(70_000), 'abc\r\nSet-Cookie: a=b', '') },
);

/** A JSON object key: any XML 1.0 name, or a name XML cannot have. */
const jsonKey = fc.oneof(
  fc.constantFrom('RequestId', 'Code', 'KeyId', 'Keys', 'Key', 'HttpStatus', 'Plaintext'),
  fc.constantFrom('__proto__', 'constructor', 'a b', 'a<b', '1abc', 'é', '中文', 'x:y', ''),
  fc.string({ unit: fc.constantFrom(...'abXY_-.9'.split('')), minLength: 1, maxLength: 6 }),
);

const errorBody = fc.record({
  shape: fc.constantFrom('error-json', 'kms-json', 'error-xml', 'kms-xml', 'lower-json'),
  code: echoed,
  message: echoed,
  recommend: echoed,
  requestId: echoed,
  hostId: echoed,
  detail: echoed,
  httpStatus: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(404, 409)),
});
const successBody = fc.record({
  shape: fc.constantFrom('success-json', 'success-xml'),
  requestId: echoed,
  fields: fc.dictionary(jsonKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
  root: fc.constantFrom('ListKeysResponse', 'KMS', 'EncryptResponse', 'Anything'),
});
const bytesBody = fc.record({
  shape: fc.constant('bytes' as const),
  bytes: fc.uint8Array({ maxLength: 200 }),
});
const literalBody = fc.record({
  shape: fc.constant('literal' as const),
  text: fc.constantFrom(
    '',
    '   ',
    '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    '<html><body>502 Bad Gateway</body></html>',
    '{"__proto__":{"RequestId":"X"},"KeyId":"k"}',
    '<Error><Code>r&#0;</Code><RequestId>r</RequestId></Error>',
    '{"Code":"Throttling.User","Message":"m","RequestId":"r"}',
    `{"Code":"${'C'.repeat(100_000)}","Message":"m"}`,
    '<KMS/>',
    '{',
  ),
});
const answerBody = fc.oneof(
  { weight: 3, arbitrary: errorBody },
  { weight: 3, arbitrary: successBody },
  { weight: 1, arbitrary: bytesBody },
  { weight: 1, arbitrary: literalBody },
);

const upstreamAnswer = fc.record({
  kind: fc.constantFrom<Delivery['kind']>(
    'answer',
    'answer',
    'answer',
    'answer',
    'destroy',
    'delay',
  ),
  status: fc.oneof(
    { weight: 4, arbitrary: fc.constant(200) },
    { weight: 3, arbitrary: fc.constantFrom(400, 403, 404, 409, 429, 500, 502, 503) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 999 }) },
  ),
  contentType: fc.constantFrom(
    'application/json;charset=utf-8',
    'text/xml;charset=utf-8',
    'text/html',
    'application/octet-stream',
    'application/json; charset=é',
  ),
  requestIdHeader: fc.option(
    fc.string({
      unit: fc.constantFrom(...'AZaz09-_ :;é\u00ff\t'.split('')),
      maxLength: 300,
    }),
  ),
  body: answerBody,
  // Mostly inside the 300 ms budget, sometimes past it (each such run costs its budget).
  delayMs: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 250, max: 400 })),
});
type UpstreamAnswer = typeof upstreamAnswer extends fc.Arbitrary<infer T> ? T : never;

/** A call a client could mean: a real action, well-formed parameters, some of them secret. */
const plausibleEvent = fc.record({
  action: fc.constantFrom(...ACTION_NAMES),
  secrets: fc.subarray(SECRET_PARAMS, { minLength: 1 }),
  extra: fc.dictionary(
    fc.constantFrom('KeyId', 'PageSize', 'SecretName', 'VersionId'),
    fc.constantFrom('k', '10', 's'),
  ),
  format: fc.constantFrom(undefined, 'JSON', 'XML', 'xml'),
  accept: fc.constantFrom(undefined, 'application/xml', 'text/xml', 'application/json', '*/*'),
  post: fc.boolean(),
  remainingMs: fc.integer({ min: 800, max: 3000 }),
  mode: fc.constantFrom<Mode>('sign-v1', 'sign-v3', 'passthrough'),
});
type PlausibleEvent = typeof plausibleEvent extends fc.Arbitrary<infer T> ? T : never;

// ---------------------------------------------------------------------------------------------
// From generated cases to events and answers

const ECHO_ENCODINGS: ((s: string) => string)[] = [
  (s) => s,
  encodeURIComponent,
  (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  (s) => new URLSearchParams({ x: s }).toString().slice(2),
  (s) => JSON.stringify(s).slice(1, -1).replace(/\//g, '\\/'),
  (s) => s.replace(/[+/=]/g, (c) => `&#${c.charCodeAt(0)};`),
];

/** The secrets of one run: the request's planted values, and the function's own. */
function secretsOf(planted: readonly string[], mode: Mode): string[] {
  const own =
    mode === 'passthrough' ? [] : [FUNCTION_KEY.secret, FUNCTION_KEY.token, FUNCTION_KEY.id];
  return [...planted, ...own];
}

function resolveEcho(echo: Echo, secrets: readonly string[]): string {
  if (typeof echo === 'string') return echo;
  if (secrets.length === 0) return 'nothing to echo';
  const secret = secrets[echo.secret % secrets.length] as string;
  const from = echo.from % Math.max(1, secret.length - 12);
  const part = secret.slice(from, from + echo.length);
  return `echo ${(ECHO_ENCODINGS[echo.encoding] as (s: string) => string)(part)} end`;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function xmlOf(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<item>${xmlOf(item)}</item>`).join('');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([name, child]) => `<${name}>${xmlOf(child)}</${name}>`)
      .join('');
  }
  return xmlText(String(value));
}

function answerOf(answer: UpstreamAnswer, secrets: readonly string[]): Delivery {
  const echo = (e: Echo) => resolveEcho(e, secrets);
  const body = answer.body;
  let text: string | Buffer;
  switch (body.shape) {
    case 'error-json':
    case 'lower-json':
    case 'kms-json': {
      const lower = body.shape === 'lower-json';
      const fields: Record<string, unknown> = {
        [lower ? 'code' : 'Code']: echo(body.code),
        [lower ? 'message' : 'Message']: echo(body.message),
        RequestId: echo(body.requestId),
      };
      if (body.shape === 'kms-json') fields.HttpStatus = body.httpStatus;
      else {
        fields.HostId = echo(body.hostId);
        fields.Recommend = echo(body.recommend);
        fields.AccessDeniedDetail = { Reason: echo(body.detail) };
      }
      text = JSON.stringify(fields);
      break;
    }
    case 'error-xml':
    case 'kms-xml': {
      const root = body.shape === 'kms-xml' ? 'KMS' : 'Error';
      const status = body.shape === 'kms-xml' ? `<HttpStatus>${body.httpStatus}</HttpStatus>` : '';
      text = `<?xml version="1.0" encoding="UTF-8"?><${root}>${status}<Code>${xmlText(echo(body.code))}</Code><Message>${xmlText(echo(body.message))}</Message><RequestId>${xmlText(echo(body.requestId))}</RequestId><HostId>${xmlText(echo(body.hostId))}</HostId><Recommend>${xmlText(echo(body.recommend))}</Recommend></${root}>`;
      break;
    }
    case 'success-json':
      text = JSON.stringify({ ...body.fields, RequestId: echo(body.requestId) });
      break;
    case 'success-xml':
      text = `<${body.root}>${xmlOf(body.fields)}<RequestId>${xmlText(echo(body.requestId))}</RequestId></${body.root}>`;
      break;
    case 'bytes':
      text = Buffer.from(body.bytes);
      break;
    default:
      text = body.text;
  }
  const headers: Record<string, string> = { 'content-type': answer.contentType };
  if (answer.requestIdHeader !== null) headers['x-acs-request-id'] = answer.requestIdHeader;
  return {
    kind: answer.kind,
    status: answer.status,
    headers,
    body: text,
    delayMs: answer.delayMs,
  };
}

function componentsOf(
  pairs: readonly (readonly [string, Value, number])[],
  planted: readonly string[],
): [string, string, number][] {
  return pairs.map(([name, value, encoder]) => [
    name,
    typeof value === 'string' ? value : (planted[value.planted] as string),
    encoder,
  ]);
}

const formOf = (pairs: readonly [string, string, number][]) =>
  pairs
    .map(([name, value, e]) => {
      const encode = encoders[e] as (s: string) => string;
      return `${encode(name)}=${encode(value)}`;
    })
    .join('&');

/** Pads parameters (negative size: that many more) or bytes (positive: that long a value). */
function padded(form: string, size: number): string {
  if (size > 0) return `${form}&Pad=${'x'.repeat(size)}`;
  if (size < 0) {
    return `${form}&${Array.from({ length: -size }, (_, i) => `p${i}=x`).join('&')}`;
  }
  return form;
}

/** The planted values a hostile event sends: what the function can know as its secrets. */
function sentBy(e: HostileEvent, planted: readonly string[]): string[] {
  const used = [
    ...(e.shape === 'rest' || e.rawQuery === null ? e.query : []),
    // A body is read only on POST.
    ...((e.bodyKind === 'form' || e.bodyKind === 'json') && e.method.toUpperCase() === 'POST'
      ? e.body
      : []),
  ];
  return [
    ...new Set(
      used.flatMap(([, value]) =>
        typeof value === 'string' ? [] : [planted[value.planted] as string],
      ),
    ),
  ];
}

function eventOf(e: HostileEvent, planted: readonly string[]) {
  const named: [string, string, number][] = e.action === null ? [] : [['Action', e.action, 0]];
  const query = [...named, ...componentsOf(e.query, planted)];
  const bodyPairs = componentsOf(e.body, planted);
  let body: string | undefined;
  switch (e.bodyKind) {
    case 'form':
      body = padded(formOf(bodyPairs), e.size);
      break;
    case 'json':
      body = JSON.stringify(Object.fromEntries(bodyPairs.map(([n, v]) => [n, v])));
      break;
    case 'bytes':
      body = Buffer.from(e.bytes).toString('latin1');
      break;
    case 'text':
      body = 'Action=ListKeys&x=\uD800';
      break;
    default:
      body = undefined;
  }
  const encodedBody =
    body === undefined ? undefined : e.base64 ? Buffer.from(body).toString('base64') : body;
  // A form or JSON body says so, or its parameters are not parameters (and no secret of anyone's).
  const headers: Record<string, unknown> = Object.fromEntries(
    Object.entries(e.headers).filter(([name]) => name.toLowerCase() !== 'content-type'),
  );
  if (e.bodyKind === 'form') headers['content-type'] = 'application/x-www-form-urlencoded';
  else if (e.bodyKind === 'json') headers['content-type'] = 'application/json';
  else if (e.headers['content-type'] !== undefined)
    headers['content-type'] = e.headers['content-type'];
  const requestContext = { requestId: e.requestId, domainName: 'gw.fuzz.example' };
  if (e.shape === 'rest') {
    const multi: Record<string, string[]> = Object.create(null);
    for (const [name, value] of query) multi[name] = [...(multi[name] ?? []), value];
    return {
      httpMethod: e.method,
      headers,
      multiValueHeaders: {},
      multiValueQueryStringParameters: multi,
      queryStringParameters: Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[0]])),
      body: encodedBody ?? null,
      isBase64Encoded: e.base64,
      requestContext,
    };
  }
  return {
    version: '2.0',
    rawQueryString: e.rawQuery ?? padded(formOf(query), e.bodyKind === 'none' ? e.size : 0),
    headers,
    body: encodedBody,
    isBase64Encoded: e.base64,
    requestContext: { ...requestContext, http: { method: e.method } },
  };
}

function plausibleEventOf(e: PlausibleEvent, planted: readonly string[]) {
  const params: Record<string, string> = {
    Action: e.action,
    ...requiredParams(e.action),
    ...e.extra,
  };
  e.secrets.forEach((name, i) => {
    params[name] = planted[i % planted.length] as string;
  });
  if (e.format) params.Format = e.format;
  const form = new URLSearchParams(params).toString();
  const headers: Record<string, string> = e.accept ? { accept: e.accept } : {};
  if (e.post) headers['content-type'] = 'application/x-www-form-urlencoded';
  return {
    version: '2.0',
    rawQueryString: e.post ? '' : form,
    headers,
    body: e.post ? form : undefined,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'gw-req-fuzz',
      domainName: 'gw.fuzz.example',
      http: { method: e.post ? 'POST' : 'GET' },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// What must hold

const MEDIA_TYPES = [
  'application/json; charset=utf-8',
  'application/xml; charset=utf-8',
  'text/xml; charset=utf-8',
];
const ENVELOPE = ['HttpStatus', 'Code', 'Message', 'RequestId', 'HostId'];
const STACK_FRAME = /\bat [^\n]*[(/][^\n]*:\d+:\d+|\.ts:\d+|node:internal/;
/** ASCII-only folding, as the README documents for Format. */
const asciiUpper = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());

/** The format the query's Format asks for, when the query is plain enough to tell. */
function formatAskedBy(rawQuery: string): Format | undefined {
  let format: string | undefined;
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const [name, value] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    let decoded: [string, string];
    try {
      decoded = [name, value].map((s) => decodeURIComponent(s.replace(/\+/g, ' '))) as [
        string,
        string,
      ];
    } catch {
      return undefined;
    }
    if (decoded[0] === 'Format' && format === undefined) format = decoded[1];
  }
  const upper = format === undefined ? undefined : asciiUpper(format);
  return upper === 'JSON' || upper === 'XML' ? upper : undefined;
}

async function check(
  handler: Handler,
  event: unknown,
  remainingMs: number,
  secrets: readonly string[],
  asked: Format | undefined,
): Promise<void> {
  logs.length = 0;
  const started = Date.now();
  const result = await handler(event, lambdaContext(remainingMs));
  const elapsed = Date.now() - started;
  expect(elapsed, 'answered within the deadline').toBeLessThan(remainingMs);

  expect(result.isBase64Encoded).toBe(false);
  expect(Number.isInteger(result.statusCode)).toBe(true);
  for (const [name, value] of Object.entries(result.headers)) {
    expect(name).toMatch(/^[a-z0-9-]+$/);
    expect(typeof value === 'string' && VALID_HEADER_VALUE.test(value), `header ${name}`).toBe(
      true,
    );
  }
  const mediaType = result.headers['content-type'] as string;
  expect(MEDIA_TYPES).toContain(mediaType);
  expect(result.body).not.toMatch(STACK_FRAME);

  const isXml = mediaType !== MEDIA_TYPES[0];
  if (asked) expect(isXml ? 'XML' : 'JSON', 'the format Format asked for').toBe(asked);
  if (isXml) {
    expect(result.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><')).toBe(true);
    expect(XMLValidator.validate(result.body)).toBe(true);
  }
  if (result.statusCode === 200) {
    if (isXml) expect(result.body).toMatch(/^<\?xml[^>]*\?><[A-Za-z]+Response>/);
    else expect(typeof JSON.parse(result.body)).toBe('object');
  } else {
    expect(result.statusCode).toBeGreaterThanOrEqual(400);
    expect(result.statusCode).toBeLessThanOrEqual(599);
    if (isXml) {
      const fields = [...result.body.matchAll(/<(\w+)>/g)].map((m) => m[1]);
      expect(fields.slice(0, 6)).toEqual(['KMS', ...ENVELOPE]);
      expect(result.body).toContain(`<HttpStatus>${result.statusCode}</HttpStatus>`);
    } else {
      const envelope = JSON.parse(result.body) as Record<string, unknown>;
      expect(Object.keys(envelope)).toEqual(ENVELOPE);
      expect(envelope.HttpStatus).toBe(result.statusCode);
      expect(typeof envelope.Code === 'string' && envelope.Code !== '').toBe(true);
      for (const field of ['Message', 'RequestId', 'HostId']) {
        expect(typeof envelope[field]).toBe('string');
      }
    }
  }

  const output = logs.join('');
  const lines = output.split('\n').filter((line) => line.startsWith('{'));
  for (const line of lines) expect(line.length, 'a bounded log line').toBeLessThan(16 * 1024);
  const messages = lines.map((line) => (JSON.parse(line) as { message: string }).message);
  expect(messages.filter((m) => m === 'kms error normalized').length, 'one per error').toBe(
    result.statusCode === 200 ? 0 : 1,
  );
  expect(messages, 'no bug on the way').not.toContain('unexpected error');
  for (const secret of secrets) {
    const leak = leakIn(output, secret);
    expect(leak, `${secret} leaked as ${leak}`).toBeUndefined();
  }
}

const planted = fc.array(plantedValue, { minLength: 4, maxLength: 4 });
const settings = { numRuns: runs(1000, 10_000), endOnFailure: true };

describe('the whole handler, fuzzed', () => {
  it('any event, against any answer: an envelope or a success, and no secret logged', async () => {
    await fc.assert(
      fc.asyncProperty(hostileEvent, upstreamAnswer, planted, async (e, answer, values) => {
        const secrets = secretsOf(sentBy(e, values), e.mode);
        delivery = answerOf(answer, secrets);
        const event = eventOf(e, values);
        const asked =
          e.shape === 'http-api' && e.bodyKind === 'none' && e.size === 0
            ? formatAskedBy((event as { rawQueryString: string }).rawQueryString)
            : undefined;
        await check(handlers[e.mode], event, e.remainingMs, secrets, asked);
      }),
      settings,
    );
  }, 600_000);

  it('any call, against any hostile answer: the same, with the secrets it sent echoed back', async () => {
    await fc.assert(
      fc.asyncProperty(plausibleEvent, upstreamAnswer, planted, async (e, answer, values) => {
        const secrets = secretsOf(values.slice(0, e.secrets.length), e.mode);
        delivery = answerOf(answer, secrets);
        const asked = e.format === undefined ? undefined : (asciiUpper(e.format) as Format);
        await check(handlers[e.mode], plausibleEventOf(e, values), e.remainingMs, secrets, asked);
      }),
      settings,
    );
  }, 600_000);
});
