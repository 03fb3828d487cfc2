/**
 * KMS behind its gateway: authentication (verify.ts), throttling, authorization, then the
 * action; with a state file, a save when the action may have changed the state. Gateway
 * failures answer in the `<Error>` shape, the action's in KMS's `<KMS>` shape.
 */

import type { TypedObject } from '../codec/typed.js';
import { toXmlDocument } from '../codec/xml-write.js';
import type { Format } from '../protocol/rpc.js';
import { ACTIONS } from './actions/index.js';
import { EmulatorError, failure } from './errors.js';
import { READ_ONLY_ACTIONS } from './persistence.js';
import {
  type Answer,
  type AnswerContext,
  alibabaGatewayError,
  CONTENT_TYPES,
  kmsError,
  newRequestId,
  success,
} from './respond.js';
import type { Service } from './service.js';
import type { EmulatorState } from './state.js';
import type { Throttle } from './throttle.js';
import { AccessDenied, type Incoming, type Verifier } from './verify.js';

export interface KmsServiceOptions {
  readonly state: EmulatorState;
  readonly verifier: Verifier;
  readonly throttle: Throttle;
  readonly now: () => number;
  readonly hostId: string;
  readonly xmlRoot: 'action' | 'KMS';
  /** writes the state file; undefined when there is none */
  readonly save: (() => Promise<void>) | undefined;
}

/** A RAM denial: the gateway shape, its fields in the same order, then AccessDeniedDetail. */
function deniedAnswer(error: AccessDenied, ctx: AnswerContext): Answer {
  const base = alibabaGatewayError(error, { ...ctx, format: 'JSON' });
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

export class KmsService implements Service {
  readonly #options: KmsServiceOptions;

  constructor(options: KmsServiceOptions) {
    this.#options = options;
  }

  context(format: Format): AnswerContext {
    return { requestId: newRequestId(), format, hostId: this.#options.hostId };
  }

  internalFailure(format: Format): Answer {
    return kmsError(failure('InternalFailure'), this.context(format));
  }

  /**
   * The answer, once what the action changed is in the state file. Reads skip the save by name;
   * other actions compare the state's JSON with the file's, so an unchanged state writes nothing.
   */
  async answer(incoming: Incoming, format: Format): Promise<Answer> {
    const { answer, ran } = this.#answerFor(incoming, format);
    const save = this.#options.save;
    if (save && ran !== undefined && !READ_ONLY_ACTIONS.has(ran)) await save();
    return answer;
  }

  /** Gateway checks, throttling, authorization, then the action. Never throws. */
  #answerFor(incoming: Incoming, format: Format): Answered {
    const { verifier, throttle, now, state, xmlRoot } = this.#options;
    const ctx = this.context(format);
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
            ? alibabaGatewayError(error, ctx)
            : kmsError(failure('InternalFailure', undefined, error), ctx),
      };
    }
    const ran = verified.action;
    try {
      const handler = ACTIONS[ran];
      if (!handler) throw failure('InternalFailure');
      const fields = handler({ params: verified.params, state });
      return { answer: success(ran, fields, xmlRoot, ctx), ran };
    } catch (error) {
      const failed =
        error instanceof EmulatorError ? error : failure('InternalFailure', undefined, error);
      // A failing action may still have changed something before it threw.
      return { answer: kmsError(failed, ctx), ran };
    }
  }
}
