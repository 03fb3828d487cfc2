/** Aliases: create, update, delete, and list (all, or those of one key). */
import type { AliasRecord } from '../records.js';
import type { EmulatorState } from '../state.js';
import { page, required } from './params.js';
import type { ActionContext, Handler } from './types.js';

function aliasList(state: EmulatorState, aliases: readonly AliasRecord[], ctx: ActionContext) {
  const { items, counts } = page(aliases, ctx.params);
  return {
    Aliases: {
      Alias: items.map((alias) => ({
        KeyId: alias.KeyId,
        AliasArn: state.aliasArn(alias.AliasName),
        AliasName: alias.AliasName,
      })),
    },
    ...counts,
  };
}

export const ALIAS_ACTIONS: Readonly<Record<string, Handler>> = {
  CreateAlias({ params, state }) {
    const keyId = required(params, 'KeyId');
    state.createAlias(required(params, 'AliasName'), keyId);
    return {};
  },

  UpdateAlias({ params, state }) {
    const keyId = required(params, 'KeyId');
    state.updateAlias(required(params, 'AliasName'), keyId);
    return {};
  },

  DeleteAlias({ params, state }) {
    state.deleteAlias(required(params, 'AliasName'));
    return {};
  },

  ListAliases(ctx) {
    return aliasList(ctx.state, ctx.state.aliases, ctx);
  },

  ListAliasesByKeyId(ctx) {
    const aliases = ctx.state.aliasesOf(required(ctx.params, 'KeyId'));
    return aliasList(ctx.state, aliases, ctx);
  },
};
