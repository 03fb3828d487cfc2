/** Account-level helpers: GetRandomPassword and DescribeRegions. */
import { randomInt } from 'node:crypto';
import { REGION_ENDPOINTS } from '../../kms/actions.generated.js';
import { failure } from '../errors.js';
import { flag, integer, optional, type Params } from './params.js';
import type { Handler } from './types.js';

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMBERS = '0123456789';
/** The special characters as Alibaba's GetRandomPassword documents them (no backtick). */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_{|}~';

/** The character types in the order the parameters name them. */
const TYPES = [
  { parameter: 'ExcludeLowercase', characters: LOWERCASE },
  { parameter: 'ExcludeUppercase', characters: UPPERCASE },
  { parameter: 'ExcludeNumbers', characters: NUMBERS },
  { parameter: 'ExcludePunctuation', characters: PUNCTUATION },
] as const;

const pick = (characters: string): string => characters[randomInt(characters.length)] as string;

/**
 * A password of `length` characters from the types not excluded, minus ExcludeCharacters; with
 * RequireEachIncludedType, at least one of each included type. Combinations that leave nothing to
 * draw from, or a required type with no character left, are InvalidParameter.
 */
function randomPassword(params: Params): string {
  const length = integer(params, 'PasswordLength', { fallback: 32, min: 8, max: 128 });
  const excluded = new Set(optional(params, 'ExcludeCharacters') ?? '');
  const requireEach = flag(params, 'RequireEachIncludedType', true);
  const included: string[] = [];
  let flagged = 0;
  for (const type of TYPES) {
    if (flag(params, type.parameter, false)) {
      flagged++;
      continue;
    }
    const left = [...type.characters].filter((c) => !excluded.has(c)).join('');
    if (left === '' && requireEach) throw failure('InvalidParameter', 'ExcludeCharacters');
    if (left !== '') included.push(left);
  }
  if (included.length === 0) {
    // Every type excluded by its flag (named by the last one, which left nothing), or what the
    // flags left removed by ExcludeCharacters.
    const culprit = flagged === TYPES.length ? 'ExcludePunctuation' : 'ExcludeCharacters';
    throw failure('InvalidParameter', culprit);
  }
  const pool = included.join('');
  const chars = requireEach ? included.map(pick) : [];
  while (chars.length < length) chars.push(pick(pool));
  // Fisher-Yates, so the required characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

export const MISC_ACTIONS: Readonly<Record<string, Handler>> = {
  GetRandomPassword({ params }) {
    return { RandomPassword: randomPassword(params) };
  },

  /** The regions with a public KMS endpoint, in the metadata's order. */
  DescribeRegions() {
    return {
      Regions: { Region: Object.keys(REGION_ENDPOINTS).map((RegionId) => ({ RegionId })) },
    };
  },
};
