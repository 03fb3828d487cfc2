/**
 * Judges one answer of the soak against what was asked, with readers of its own (never the
 * product's): a success in the format asked for, or the five-field envelope with HttpStatus =
 * status, in that format.
 */
import { XMLValidator } from 'fast-xml-parser';
import type { Planned } from './plan.js';

const ENVELOPE_FIELDS = ['HttpStatus', 'Code', 'Message', 'RequestId', 'HostId'];
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const XML_ENVELOPE =
  /^<KMS><HttpStatus>(\d+)<\/HttpStatus><Code>([^<]*)<\/Code><Message>[^<]*<\/Message><RequestId>[^<]*<\/RequestId><HostId>[^<]*<\/HostId><\/KMS>$/;

export interface Verdict {
  readonly malformed?: string;
  readonly nonEnvelope?: string;
  readonly code?: string;
}

/** Checks one answer against what was asked; never trusts the product's own readers. */
export function judge(
  planned: Planned,
  status: number,
  type: string | null,
  body: string,
): Verdict {
  if (type !== `${planned.media}; charset=utf-8`) {
    return { malformed: `Content-Type ${type} where ${planned.media} was asked for` };
  }
  if (planned.media === 'application/json') {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return { malformed: 'JSON that does not parse' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { malformed: 'JSON that is not an object' };
    }
    const record = value as Record<string, unknown>;
    if (status === 200) {
      return typeof record.RequestId === 'string'
        ? {}
        : { malformed: 'a success without RequestId' };
    }
    const keys = Object.keys(record);
    const ok =
      keys.join() === ENVELOPE_FIELDS.join() &&
      record.HttpStatus === status &&
      ENVELOPE_FIELDS.slice(1).every((k) => typeof record[k] === 'string');
    return ok
      ? { code: record.Code as string }
      : { nonEnvelope: `JSON ${status} that is not the envelope: ${body.slice(0, 200)}` };
  }
  if (!body.startsWith(XML_DECLARATION) || XMLValidator.validate(body) !== true) {
    return { malformed: `XML that does not validate: ${body.slice(0, 120)}` };
  }
  const document = body.slice(XML_DECLARATION.length);
  if (status === 200) {
    const root = `<${planned.params.Action}Response>`;
    return document.startsWith(root) && document.includes('<RequestId>')
      ? {}
      : { malformed: `a success without ${root} or RequestId` };
  }
  const match = XML_ENVELOPE.exec(document);
  return match && Number(match[1]) === status
    ? { code: match[2] as string }
    : { nonEnvelope: `XML ${status} that is not the envelope: ${body.slice(0, 200)}` };
}
