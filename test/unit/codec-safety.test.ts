/**
 * What an upstream answer cannot do to the gateway's output (issue 7, items 8–10): write an
 * element name XML 1.0 does not allow, smuggle a forbidden character in through a character
 * reference, or change an object's prototype with a `__proto__` key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { renderSuccess } from '../../src/codec/render.js';
import { typeObject } from '../../src/codec/typed.js';
import { readUpstreamBody, UnreadableBody } from '../../src/codec/upstream-body.js';
import { loadGeneralXml } from '../../src/codec/xml-read.js';
import { NotRepresentableAsXml } from '../../src/codec/xml-write.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import type { ActionSpec } from '../../src/kms/schema.js';
import { readAnswer } from '../../src/upstream/answer.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const encrypt = ACTIONS.Encrypt as ActionSpec;

function refusal(body: string): UnreadableBody {
  try {
    readUpstreamBody(bytes(body));
  } catch (error) {
    if (error instanceof UnreadableBody) return error;
    throw error;
  }
  throw new Error(`accepted: ${body}`);
}

// Documents outside KMS's dialect are read here directly, not through the KMS client that
// loads the general reader on first need (codec/xml-read.ts).
beforeAll(loadGeneralXml);

describe('element names follow the XML 1.0 Name production', () => {
  it.each([
    ['×', 'U+00D7 is not a name character'],
    ['a×b', 'nor inside a name'],
    ['÷', 'U+00F7 neither'],
    ['\uD800', 'a lone high surrogate'],
    ['a\uDC00', 'a lone low surrogate'],
    ['\uFFFE', 'a noncharacter'],
    ['\u0300a', 'a combining mark cannot start a name'],
    ['·a', 'a middle dot cannot start a name'],
    ['1a', 'a digit cannot start a name'],
    ['a b', 'a space'],
    ['', 'the empty name'],
  ])('%j is not representable (%s)', (name) => {
    expect(() => renderSuccess('Encrypt', { [name]: 'x', RequestId: 'r' }, 'XML')).toThrow(
      NotRepresentableAsXml,
    );
  });

  it.each([
    ['é', 'Latin-1 letters'],
    ['Ωμέγα', 'Greek'],
    ['キー', 'Katakana'],
    ['a·b\u0300', 'middle dot and combining marks after the first character'],
    ['a-b.c_d', 'ASCII punctuation names allow'],
  ])('%j is written and read back (%s)', (name) => {
    const xml = renderSuccess('Encrypt', { [name]: 'x', RequestId: 'r' }, 'XML');
    expect(readUpstreamBody(bytes(xml)).content).toEqual({ [name]: 'x', RequestId: 'r' });
  });

  it('a name character beyond the BMP is written as its surrogate pair', () => {
    // fast-xml-parser's validator knows no name character past U+FFFF, so this is not read back.
    expect(renderSuccess('Encrypt', { 𐀀x: 'x' }, 'XML')).toContain('<𐀀x>x</𐀀x>');
  });
});

describe('forbidden characters in upstream XML are refused, never dropped', () => {
  it.each([
    ['&#0;', 'a reference to NUL'],
    ['&#x0;', 'the same in hex'],
    ['&#1;', 'a C0 control'],
    ['&#xD800;', 'a surrogate'],
    ['&#xFFFE;', 'a noncharacter'],
    ['&#x110000;', 'beyond Unicode'],
    ['\u0000', 'a raw NUL'],
    ['\u0008', 'a raw backspace'],
    ['\uFFFF', 'a raw noncharacter'],
  ])('r%s is an unreadable answer (%s)', (forbidden) => {
    const reason = refusal(`<KMS><RequestId>r${forbidden}</RequestId></KMS>`).reason;
    expect(reason).toBe('XML with a character XML 1.0 forbids');
  });

  it('the characters XML allows by reference still decode', () => {
    const xml = '<KMS><RequestId>&#9;&#xA;&#13;&#x1F600;&#65;</RequestId></KMS>';
    expect(readUpstreamBody(bytes(xml)).content).toEqual({ RequestId: '\t\n\r😀A' });
  });
});

describe('no upstream key changes a prototype', () => {
  const polluting = '{"__proto__":{"RequestId":"X"},"KeyId":"k"}';

  it('__proto__ from upstream JSON is an ordinary field of the typed value', () => {
    const value = typeObject(readUpstreamBody(bytes(polluting)).content, encrypt.response);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(value.RequestId).toBeUndefined();
    expect(renderSuccess('Encrypt', value, 'JSON')).toBe(
      '{"__proto__":{"RequestId":"X"},"KeyId":"k"}',
    );
    expect(renderSuccess('Encrypt', value, 'XML')).toContain(
      '<__proto__><RequestId>X</RequestId></__proto__>',
    );
  });

  it('nested and inside lists too', () => {
    const json = '{"Keys":{"Key":[{"__proto__":{"KeyId":"X"}}]},"Nested":{"__proto__":{"a":"1"}}}';
    const value = typeObject(
      readUpstreamBody(bytes(json)).content,
      ACTIONS.ListKeys?.response ?? {},
    );
    const key = ((value.Keys as { Key: object[] }).Key[0] ?? {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(key)).toBe(Object.prototype);
    expect(key.KeyId).toBeUndefined();
    const nested = value.Nested as Record<string, unknown>;
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
    expect(nested.a).toBeUndefined();
    expect(renderSuccess('ListKeys', value, 'JSON')).toBe(json);
  });

  it('an answer whose only RequestId sits under __proto__ has no RequestId', () => {
    const answer = (headers: Record<string, string>) => ({
      status: 200,
      headers,
      body: Buffer.from(polluting),
    });
    const context = { spec: encrypt, host: 'kms.cn-hangzhou.aliyuncs.com' };
    // Without the header, it is not a KMS answer; with it, the header's id is the RequestId.
    expect(() => readAnswer(answer({}), context)).toThrow(/no RequestId/);
    const value = readAnswer(answer({ 'x-acs-request-id': 'H' }), context);
    expect(value.RequestId).toBe('H');
    expect(JSON.parse(renderSuccess('Encrypt', value, 'JSON'))).toEqual({
      ['__proto__']: { RequestId: 'X' },
      KeyId: 'k',
      RequestId: 'H',
    });
  });
});
