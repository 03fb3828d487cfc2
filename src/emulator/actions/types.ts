/** What an action handler gets and gives. */
import type { TypedObject } from '../../codec/typed.js';
import type { EmulatorState } from '../state.js';

export interface ActionContext {
  readonly params: Readonly<Record<string, string>>;
  readonly state: EmulatorState;
}

/**
 * Validates its business parameters, works on the state, and returns the response fields under
 * the metadata's names (RequestId is added by the server). Failures are thrown as
 * EmulatorErrors and answered in the KMS error shape.
 */
export type Handler = (ctx: ActionContext) => TypedObject;
