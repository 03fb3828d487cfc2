/**
 * KMS_ALLOWED_ACTIONS: every action outside the list is refused with Forbidden.NoPermission
 * before anything goes upstream, reads as much as writes; an entry that names no KMS action is a
 * configuration problem, reported, never silently ignored.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { checkCall } from '../../src/kms/call.js';
import { KmsError } from '../../src/kms/envelope.js';
import { runs } from '../support/runs.js';

const NAMES = Object.keys(ACTIONS).sort();

function codeOf(action: string, allowed: ReadonlySet<string>): string {
  try {
    checkCall('POST', { Action: action }, allowed);
    return 'accepted';
  } catch (error) {
    if (error instanceof KmsError) return error.code;
    throw error;
  }
}

describe('the allow-list', () => {
  it.each([
    ['a read (Decrypt)', 'Decrypt'],
    ['a read (ListKeys)', 'ListKeys'],
    ['a read (GetSecretValue)', 'GetSecretValue'],
    ['a write (ScheduleKeyDeletion)', 'ScheduleKeyDeletion'],
    ['an action of no operation type (GetClientKey)', 'GetClientKey'],
  ])('refuses %s that it does not list', (_name, action) => {
    expect(codeOf(action, new Set(['Encrypt']))).toBe('Forbidden.NoPermission');
  });

  it('for any action and any list: refused exactly when not listed, whatever its required parameters', () => {
    fc.assert(
      fc.property(fc.constantFrom(...NAMES), fc.subarray(NAMES), (action, listed) => {
        const allowed = new Set(listed);
        const code = codeOf(action, allowed);
        if (allowed.has(action)) expect(code).not.toBe('Forbidden.NoPermission');
        else expect(code).toBe('Forbidden.NoPermission');
      }),
      { numRuns: runs(300) },
    );
  });

  it('names are exact: another case is another (unlisted) action', () => {
    expect(codeOf('ListKeys', new Set(['listkeys']))).toBe('Forbidden.NoPermission');
  });
});

describe('KMS_ALLOWED_ACTIONS in the configuration', () => {
  const base = {
    KMS_REGION: 'cn-hangzhou',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIid',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's3cret',
    KMS_CALLER_AUTH: 'none',
  };

  it.each([
    ['a misspelling', 'Encrypt,Decrpyt', 'Decrpyt'],
    ['another case', 'encrypt', 'encrypt'],
    ['an unknown action among known ones', 'ListKeys, DropTables ,Decrypt', 'DropTables'],
  ])('reports %s, naming the entry', (_name, value, entry) => {
    const result = loadConfig({ ...base, KMS_ALLOWED_ACTIONS: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContain(
      `KMS_ALLOWED_ACTIONS names ${JSON.stringify(entry)}, which is not a KMS action`,
    );
  });

  it('reports every bad entry, not only the first', () => {
    const result = loadConfig({ ...base, KMS_ALLOWED_ACTIONS: 'Nope1,Encrypt,Nope2' });
    expect(result.ok ? [] : result.problems.filter((p) => p.includes('Nope'))).toHaveLength(2);
  });

  it('accepts every real action name, with spaces and empty entries around them', () => {
    const result = loadConfig({ ...base, KMS_ALLOWED_ACTIONS: ` ${NAMES.join(' , ')} ,, ` });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config.allowedActions?.size).toBe(NAMES.length);
  });

  it('unset or blank: no allow-list, every action allowed', () => {
    for (const value of [undefined, '', '   ']) {
      const result = loadConfig({ ...base, KMS_ALLOWED_ACTIONS: value });
      expect(result.ok && result.config.allowedActions).toBeUndefined();
    }
  });
});
