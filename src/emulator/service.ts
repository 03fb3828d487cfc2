/** What a listener serves: the emulated KMS, or the emulated STS. */
import type { Format } from '../protocol/rpc.js';
import type { Answer, AnswerContext } from './respond.js';
import type { Incoming } from './verify.js';

export interface Service {
  /** the context of one answer in `format`: a new RequestId and the service's HostId */
  context(format: Format): AnswerContext;
  /** the answer to a request, its effects saved; never throws */
  answer(incoming: Incoming, format: Format): Promise<Answer>;
  /** the answer when answering failed for a reason of the emulator's own (a bug) */
  internalFailure(format: Format): Answer;
}
