/**
 * One `node:http` listener on 127.0.0.1 serving one service (KMS, or STS), and the way every
 * request goes through it: body, route (the admin API, where this listener has it), the request
 * log, then the fault switch and the service's answer. It never logs: requests carry secrets
 * and key material.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ADMIN_PREFIX, handleAdmin } from './admin.js';
import { asDelivery, type Delivery, deliver, deliveryFor } from './deliver.js';
import { failure } from './errors.js';
import { type Body, parseTarget, readBody, sendAnswer, toIncoming } from './exchange.js';
import type { FaultBook } from './faults.js';
import type { RequestLog } from './request-log.js';
import { alibabaGatewayError } from './respond.js';
import type { Service } from './service.js';
import { type Claim, claimOf, type Incoming } from './verify.js';

/** Timers that end early when the emulator closes, so a latency fault never holds it open. */
export class Naps {
  readonly #wakers = new Set<() => void>();
  #closed = false;

  /** Resolves true after `ms`, or false at once when the emulator closes. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve(!this.#closed);
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  wakeAll(): void {
    this.#closed = true;
    for (const wake of [...this.#wakers]) wake();
  }
}

export interface ListenerOptions {
  /** 0 = a free port chosen by the OS */
  readonly port: number;
  readonly service: Service;
  readonly faults: FaultBook;
  readonly log: RequestLog;
  readonly naps: Naps;
  /** whether this listener serves the admin API */
  readonly admin: boolean;
}

export interface Listener {
  readonly port: number;
  /** stops listening and destroys every open (keep-alive) socket */
  close(): Promise<void>;
}

/** What to send: the gateway's refusal of an oversized body, else whatever the fault makes. */
function deliveryOf(
  options: ListenerOptions,
  req: IncomingMessage,
  incoming: Incoming,
  claim: Claim,
  body: Body,
): Promise<Delivery> | Delivery {
  const { service, faults, naps } = options;
  if (body.tooLarge) {
    const error = failure('ParseRequestParameterException');
    return asDelivery(alibabaGatewayError(error, service.context(claim.format)));
  }
  return deliveryFor(faults.take(claim.accessKeyId), {
    format: claim.format,
    answer: (format) => service.answer(incoming, format),
    alibabaGatewayError: (error) => alibabaGatewayError(error, service.context(claim.format)),
    wait: async (ms) => (await naps.sleep(ms)) && !req.socket.destroyed,
  });
}

async function handle(options: ListenerOptions, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  const url = parseTarget(req.url);
  if (options.admin && url?.pathname.startsWith(ADMIN_PREFIX)) {
    return handleAdmin(options.faults, req, res, url.pathname, body);
  }
  const incoming = toIncoming(req, url, body.bytes);
  const claim = claimOf(incoming);
  const entry = options.log.add({
    action: claim.action,
    accessKeyId: claim.accessKeyId,
    status: 0,
    signatureVersion: claim.signatureVersion,
  });
  try {
    const outcome = deliver(req, res, await deliveryOf(options, req, incoming, claim, body));
    entry.status = outcome.status;
    if (outcome.requestId !== undefined) entry.requestId = outcome.requestId;
  } catch {
    entry.status = 500;
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    sendAnswer(res, options.service.internalFailure(claim.format));
  }
}

export async function listen(options: ListenerOptions): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(options, req, res).catch(() => {
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
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
