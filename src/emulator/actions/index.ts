/**
 * Every action the emulator implements, by name. Each domain keeps its handlers in its own file;
 * an action missing here is answered as the real gateway answers an unknown API.
 */
import { ALIAS_ACTIONS } from './aliases.js';
import { ASYMMETRIC_ACTIONS } from './asymmetric.js';
import { IMPORT_ACTIONS } from './import.js';
import { KEY_ACTIONS } from './keys.js';
import { MISC_ACTIONS } from './misc.js';
import { SECRET_ACTIONS } from './secrets.js';
import { SYMMETRIC_ACTIONS } from './symmetric.js';
import { TAG_ACTIONS } from './tags.js';
import type { Handler } from './types.js';

export type { ActionContext, Handler } from './types.js';

export const ACTIONS: Readonly<Record<string, Handler>> = {
  ...KEY_ACTIONS,
  ...ALIAS_ACTIONS,
  ...SYMMETRIC_ACTIONS,
  ...ASYMMETRIC_ACTIONS,
  ...IMPORT_ACTIONS,
  ...TAG_ACTIONS,
  ...SECRET_ACTIONS,
  ...MISC_ACTIONS,
};

export const isImplementedAction = (action: string): boolean => Object.hasOwn(ACTIONS, action);

/** The implemented actions, sorted (the README lists them). */
export const implementedActions = (): string[] => Object.keys(ACTIONS).sort();
