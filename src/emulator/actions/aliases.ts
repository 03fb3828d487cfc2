/** Aliases: create and list. */
import { page, required } from './params.js';
import type { Handler } from './types.js';

export const ALIAS_ACTIONS: Readonly<Record<string, Handler>> = {
  CreateAlias({ params, state }) {
    const keyId = required(params, 'KeyId');
    state.createAlias(required(params, 'AliasName'), keyId);
    return {};
  },

  ListAliases({ params, state }) {
    const { items, counts } = page(state.aliases, params);
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
  },
};
