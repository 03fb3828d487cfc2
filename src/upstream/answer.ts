/**
 * Reads an upstream HTTP answer into either a typed success value or a KmsError carrying the
 * upstream's Code, Message, RequestId and HostId exactly. Both error shapes Alibaba uses are
 * read: `<Error>`/JSON with RequestId, HostId, Code, Message[, Recommend], and `<KMS>`/JSON with
 * HttpStatus, Code, Message, RequestId; lower-case `code`/`message` too.
 */
import { type TypedObject, typeObject, UnexpectedShape } from '../codec/typed.js';
import { readUpstreamBody, UnreadableBody, type UpstreamBody } from '../codec/upstream-body.js';
import { gatewayError, KmsError } from '../kms/envelope.js';
import { statusOfCode } from '../kms/errors.js';
import type { ActionSpec } from '../kms/schema.js';
import type { IncomingAnswer } from './http-client.js';

/** pop-core's list of `Code` values that mean success inside a 2xx body. */
const SUCCESS_CODES = new Set(['200', 'OK', 'Success', 'success']);

export interface AnswerContext {
  readonly spec: ActionSpec;
  /** the upstream host: HostId when the body has none */
  readonly host: string;
}

/** A field read as text: a JSON string or number, or the text of one XML element. */
function text(content: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = content[name];
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return undefined;
}

/** A structured extra field for the log: compact JSON, capped. */
function compactJson(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return JSON.stringify(value).slice(0, 1024);
}

/**
 * The error for an upstream answer that cannot be read: 500 InternalFailure saying why (never
 * quoting the body), with the upstream's request id when its headers gave one.
 */
export function unreadable(
  host: string,
  reason: string,
  options: { requestId?: string | undefined; cause?: unknown } = {},
): KmsError {
  return gatewayError('InternalFailure', {
    origin: 'upstream-answer',
    hostId: host,
    reason,
    detail: `The upstream response was unreadable: ${reason}.`,
    requestId: options.requestId || undefined,
    cause: options.cause,
  });
}

function isErrorBody(body: UpstreamBody, spec: ActionSpec): boolean {
  if (body.root === 'Error') return true;
  if (Object.hasOwn(spec.response, 'Code')) return false;
  const code = text(body.content, 'Code', 'code');
  return code !== undefined && !SUCCESS_CODES.has(code);
}

function toError(answer: IncomingAnswer, body: UpstreamBody, context: AnswerContext): KmsError {
  const code = text(body.content, 'Code', 'code');
  if (code === undefined || code === '') {
    return unreadable(context.host, 'error without a Code', {
      requestId: answer.headers['x-acs-request-id'],
    });
  }
  const bodyStatus = Number(text(body.content, 'HttpStatus', 'httpStatus'));
  const status =
    answer.status >= 400
      ? answer.status
      : (statusOfCode(code) ??
        (Number.isInteger(bodyStatus) && bodyStatus >= 400 && bodyStatus <= 599
          ? bodyStatus
          : 500));
  const message = text(body.content, 'Message', 'message') ?? '';
  return new KmsError({
    status,
    code,
    message,
    origin: 'upstream-answer',
    requestId: text(body.content, 'RequestId', 'requestId') ?? answer.headers['x-acs-request-id'],
    hostId: text(body.content, 'HostId', 'hostId') ?? context.host,
    upstream: {
      status: answer.status,
      code,
      message,
      recommend: text(body.content, 'Recommend', 'recommend'),
      accessDeniedDetail: compactJson(body.content.AccessDeniedDetail),
      contentType: answer.headers['content-type'],
    },
  });
}

/**
 * The typed success value of an upstream answer.
 *
 * @throws KmsError the upstream's own error (its Code, Message, RequestId, HostId kept exactly),
 *   or 500 InternalFailure when the answer is unreadable: a redirect, a status outside 100–599,
 *   a body that is not XML/JSON or not a KMS answer
 */
export function readAnswer(answer: IncomingAnswer, context: AnswerContext): TypedObject {
  // The upstream's id for this exchange, whatever else the answer turns out to be (SPEC §6).
  const headerId = { requestId: answer.headers['x-acs-request-id'] };
  if (!Number.isInteger(answer.status) || answer.status < 100 || answer.status > 599) {
    throw unreadable(context.host, `HTTP status ${answer.status}`, headerId);
  }
  if (answer.status >= 300 && answer.status < 400) {
    throw unreadable(context.host, `HTTP ${answer.status} redirect, not followed`, headerId);
  }
  let body: UpstreamBody;
  try {
    body = readUpstreamBody(answer.body);
  } catch (error) {
    if (error instanceof UnreadableBody) {
      throw unreadable(context.host, error.reason, { ...headerId, cause: error });
    }
    throw error;
  }
  if (answer.status >= 400 || isErrorBody(body, context.spec)) {
    throw toError(answer, body, context);
  }
  let value: TypedObject;
  try {
    value = typeObject(body.content, context.spec.response);
  } catch (error) {
    if (error instanceof UnexpectedShape) {
      throw unreadable(context.host, error.message, { ...headerId, cause: error });
    }
    throw error;
  }
  if (typeof value.RequestId !== 'string') {
    const fromHeader = answer.headers['x-acs-request-id'];
    if (!fromHeader) throw unreadable(context.host, 'not a KMS response (no RequestId)');
    value.RequestId = fromHeader;
  }
  return value;
}
