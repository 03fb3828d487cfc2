/**
 * Answer bodies: success in JSON or XML, and the two error shapes the service uses, the API
 * gateway's `<Error>` (authentication and routing failures) and KMS's own `<KMS>` with
 * `HttpStatus` (business failures after authentication).
 */
import { randomUUID } from 'node:crypto';
import type { TypedObject } from '../codec/typed.js';
import { toXmlDocument } from '../codec/xml-write.js';
import type { Format } from '../protocol/rpc.js';
import type { EmulatorError } from './errors.js';

export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  JSON: 'application/json;charset=utf-8',
  XML: 'text/xml;charset=utf-8',
};

/** What the server writes: a status, a body and its type, and the request id it names. */
export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly format: Format;
  readonly requestId: string;
}

export interface AnswerContext {
  readonly requestId: string;
  readonly format: Format;
  readonly hostId: string;
  /** the product the troubleshooting link in `Recommend` names; default `Kms` */
  readonly product?: string;
}

export const newRequestId = (): string => randomUUID().toUpperCase();

/** The `Format` parameter, case-insensitive; anything but XML means the default, JSON. */
export const formatOf = (value: string | undefined): Format =>
  value?.toUpperCase() === 'XML' ? 'XML' : 'JSON';

function answer(status: number, root: string, fields: TypedObject, ctx: AnswerContext): Answer {
  return {
    status,
    contentType: CONTENT_TYPES[ctx.format],
    body: ctx.format === 'XML' ? toXmlDocument(root, fields) : JSON.stringify(fields),
    format: ctx.format,
    requestId: ctx.requestId,
  };
}

/** RequestId goes last, as in Alibaba's documented samples. */
export function success(
  action: string,
  fields: TypedObject,
  xmlRoot: 'action' | 'KMS',
  ctx: AnswerContext,
): Answer {
  const root = xmlRoot === 'KMS' ? 'KMS' : `${action}Response`;
  return answer(200, root, { ...fields, RequestId: ctx.requestId }, ctx);
}

/** What Alibaba's API gateway answers before KMS is reached (authentication, routing): `<Error>`. */
export function alibabaGatewayError(error: EmulatorError, ctx: AnswerContext): Answer {
  return answer(
    error.status,
    'Error',
    {
      RequestId: ctx.requestId,
      HostId: ctx.hostId,
      Code: error.code,
      Message: error.message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${error.code}&product=${ctx.product ?? 'Kms'}&requestId=${ctx.requestId}`,
    },
    ctx,
  );
}

export function kmsError(error: EmulatorError, ctx: AnswerContext): Answer {
  return answer(
    error.status,
    'KMS',
    {
      HttpStatus: error.status,
      Code: error.code,
      Message: error.message,
      RequestId: ctx.requestId,
      HostId: ctx.hostId,
    },
    ctx,
  );
}
