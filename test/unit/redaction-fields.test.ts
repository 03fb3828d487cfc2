/**
 * The names SPEC §7 says are never logged, each checked on its own, in any case, wherever it
 * sits in a log line, and as a request parameter echoed back in an upstream message.
 */
import { describe, expect, it } from 'vitest';
import { redactingReplacer, SECRET_FIELDS } from '../../src/log.js';

/** SPEC §7: Plaintext, CiphertextBlob, SecretData, Signature, SecurityToken, AccessKeySecret,
 *  private keys, passwords, import tokens, key material (and the headers carrying them). */
const NEVER_LOGGED = [
  'Plaintext',
  'CiphertextBlob',
  'SecretData',
  'Signature',
  'SecurityToken',
  'AccessKeySecret',
  'PrivateKeyData',
  'PrivateKey',
  'Password',
  'ImportToken',
  'EncryptedKeyMaterial',
  'KeyMaterial',
  'ExportedDataKey',
  'RandomPassword',
  'Authorization',
  'x-acs-security-token',
];

describe('fields never logged', () => {
  it.each(NEVER_LOGGED)('%s is redacted in any case, at any depth', (name) => {
    for (const spelling of [name, name.toLowerCase(), name.toUpperCase()]) {
      expect(SECRET_FIELDS.has(spelling.toLowerCase())).toBe(true);
      const line = JSON.stringify({ outer: { [spelling]: 'the-secret-value' } }, redactingReplacer);
      expect(line).toBe(`{"outer":{"${spelling}":"[REDACTED]"}}`);
    }
  });

  it('other fields are kept as they are', () => {
    const line = JSON.stringify(
      { KeyId: 'k', Action: 'Encrypt', PlaintextLength: 3, n: 1n },
      redactingReplacer,
    );
    expect(line).toBe('{"KeyId":"k","Action":"Encrypt","PlaintextLength":3,"n":"1"}');
  });

  it('AccessKeyIds, as a field or the V3 header, keep only their last four characters', () => {
    const line = JSON.stringify(
      { AccessKeyId: 'LTAI5tAbcd9876', 'x-acs-accesskey-id': 'STS.NxYz4321', accesskeyid: 7 },
      redactingReplacer,
    );
    expect(line).toBe('{"AccessKeyId":"****9876","x-acs-accesskey-id":"****4321","accesskeyid":7}');
  });
});
