/**
 * What goes back on the wire for a request, faults included: the fault switch decides what to
 * send (the real answer, an altered one, something else, or nothing), and `deliver` is the one
 * place that sends it and says what the request came to.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Format } from '../protocol/rpc.js';
import { type EmulatorError, failure } from './errors.js';
import { type Sent, send, sendHalf } from './exchange.js';
import { type Fault, GARBAGE_BODY, htmlPage, padJson, withDoctype } from './faults.js';
import { type Answer, CONTENT_TYPES } from './respond.js';

/** Bytes to send: a status, a body and its type, and the request id. */
export interface Sending extends Sent {
  readonly status: number;
  /** send the head and half the body, then cut the connection */
  readonly truncate?: boolean;
}

/** Bytes to send, or a connection to drop without an answer. */
export type Delivery = Sending | { readonly drop: true };

/** What one request came to: the status and RequestId it was answered with. */
export interface Outcome {
  /** 0 when the connection was dropped without an answer */
  readonly status: number;
  readonly requestId?: string;
}

/** What the fault switch needs of the service a request went to. */
export interface FaultTarget {
  /** the format the request asked for */
  readonly format: Format;
  /** the real answer, in `format` (the action runs, and its changes are saved) */
  answer(format: Format): Promise<Answer>;
  /** the gateway's answer for `error` */
  alibabaGatewayError(error: EmulatorError): Answer;
  /** resolves true after `ms`, false when the request is gone or the emulator closes first */
  wait(ms: number): Promise<boolean>;
}

const DROP: Delivery = { drop: true };

export const asDelivery = (answer: Answer): Sending => ({
  status: answer.status,
  contentType: answer.contentType,
  body: answer.body,
  requestId: answer.requestId,
});

/** The delivery for a request under `fault` (none: the real answer). */
export async function deliveryFor(
  fault: Fault | undefined,
  target: FaultTarget,
): Promise<Delivery> {
  const real = async (format = target.format) => asDelivery(await target.answer(format));
  switch (fault?.kind) {
    case undefined:
      return real();
    case 'latency':
      return (await target.wait(fault.ms)) ? real() : DROP;
    case 'status': {
      const code = fault.status === 500 ? 'InternalFailure' : 'ServiceUnavailableTemporary';
      return asDelivery(target.alibabaGatewayError(failure(code)));
    }
    case 'drop':
      return DROP;
    case 'truncate':
      return { ...(await real()), truncate: true };
    case 'html': {
      const status = fault.status ?? 502;
      return { status, contentType: 'text/html', body: htmlPage(status) };
    }
    case 'content-type':
      return { ...(await real()), contentType: fault.value };
    case 'doctype': {
      const answer = await target.answer('XML');
      return { ...asDelivery(answer), body: withDoctype(answer.body, answer.requestId) };
    }
    case 'oversize': {
      const answer = await target.answer('JSON');
      return { ...asDelivery(answer), body: padJson(answer.body, fault.bytes) };
    }
    case 'garbage':
      return { status: 200, contentType: CONTENT_TYPES[target.format], body: GARBAGE_BODY };
  }
}

/** Sends `delivery` and says what the request came to. */
export function deliver(req: IncomingMessage, res: ServerResponse, delivery: Delivery): Outcome {
  if ('drop' in delivery) {
    req.socket.destroy();
    return { status: 0 };
  }
  if (delivery.truncate) sendHalf(req, res, delivery.status, delivery);
  else send(res, delivery.status, delivery);
  const { status, requestId } = delivery;
  return requestId === undefined ? { status } : { status, requestId };
}
