/**
 * The caller's body: a typed success value or an error envelope, as JSON or as XML. Success XML
 * has the documented root `<{Action}Response>`; the envelope's XML root is `<KMS>`.
 */
import type { ErrorEnvelope } from '../kms/envelope.js';
import type { Format } from '../protocol/rpc.js';
import type { TypedObject } from './typed.js';
import { toXmlDocument, xmlSafe } from './xml-write.js';

export function renderSuccess(action: string, value: TypedObject, format: Format): string {
  return format === 'XML' ? toXmlDocument(`${action}Response`, value) : JSON.stringify(value);
}

export function renderEnvelope(envelope: ErrorEnvelope, format: Format): string {
  // Built field by field so the order is always HttpStatus, Code, Message, RequestId, HostId.
  const ordered = {
    HttpStatus: envelope.HttpStatus,
    Code: envelope.Code,
    Message: envelope.Message,
    RequestId: envelope.RequestId,
    HostId: envelope.HostId,
  };
  if (format === 'JSON') return JSON.stringify(ordered);
  // An envelope must always render: an upstream message XML cannot carry is mended, not refused.
  return toXmlDocument('KMS', {
    ...ordered,
    Code: xmlSafe(ordered.Code),
    Message: xmlSafe(ordered.Message),
    RequestId: xmlSafe(ordered.RequestId),
    HostId: xmlSafe(ordered.HostId),
  });
}
