/**
 * The codec at its corners: values of the wrong shape for their schema, leaves the schema does
 * not know, text beside elements, and what XML writing does with null, repeated forbidden
 * characters and the messages a caller sees.
 */
import { describe, expect, it } from 'vitest';
import { typeObject, UnexpectedShape, untyped } from '../../src/codec/typed.js';
import { readUpstreamBody } from '../../src/codec/upstream-body.js';
import { readXml } from '../../src/codec/xml-read.js';
import { element, NotRepresentableAsXml, xmlSafe } from '../../src/codec/xml-write.js';

describe('typing by schema, the wrong shapes', () => {
  it('absent objects without lists are not invented; absent lists are', () => {
    expect(
      typeObject(
        {},
        { Meta: { A: 'string' }, Wrap: { Items: { Item: ['string'] } }, N: 'integer' },
      ),
    ).toEqual({ Wrap: { Items: { Item: [] } } });
  });

  it('a scalar where an object belongs is kept as it came; empty means an empty object', () => {
    const schema = { KeyMetadata: { KeyId: 'string' } } as const;
    expect(typeObject({ KeyMetadata: 'drifted' }, schema)).toEqual({ KeyMetadata: 'drifted' });
    expect(typeObject({ KeyMetadata: 7 }, schema)).toEqual({ KeyMetadata: '7' });
    expect(typeObject({ KeyMetadata: '' }, schema)).toEqual({ KeyMetadata: {} });
    expect(typeObject({ KeyMetadata: null }, schema)).toEqual({ KeyMetadata: {} });
  });

  it('a string field keeps any shape, leaves as strings', () => {
    const schema = { S: 'string' } as const;
    expect(typeObject({ S: 5 }, schema)).toEqual({ S: '5' });
    expect(typeObject({ S: false }, schema)).toEqual({ S: 'false' });
    expect(typeObject({ S: { a: 1, b: [true] } }, schema)).toEqual({ S: { a: '1', b: ['true'] } });
    expect(typeObject({ S: null }, schema)).toEqual({ S: null });
  });

  it('integers: numbers and integer text become numbers; anything else is kept', () => {
    const schema = { N: 'integer' } as const;
    expect(typeObject({ N: '12' }, schema)).toEqual({ N: 12 });
    expect(typeObject({ N: '-7' }, schema)).toEqual({ N: -7 });
    expect(typeObject({ N: 12 }, schema)).toEqual({ N: 12 });
    expect(typeObject({ N: ['12'] }, schema)).toEqual({ N: ['12'] });
    expect(typeObject({ N: true }, schema)).toEqual({ N: 'true' });
    expect(typeObject({ N: '9007199254740993' }, schema)).toEqual({ N: '9007199254740993' });
  });

  it('booleans: only true/false, as booleans or text', () => {
    const schema = { B: 'boolean' } as const;
    expect(typeObject({ B: true }, schema)).toEqual({ B: true });
    expect(typeObject({ B: 1 }, schema)).toEqual({ B: '1' });
    expect(typeObject({ B: { x: 'y' } }, schema)).toEqual({ B: { x: 'y' } });
  });

  it('a list that is null is empty', () => {
    expect(typeObject({ L: null }, { L: ['string'] })).toEqual({ L: [] });
    expect(typeObject({ L: 'one' }, { L: ['string'] })).toEqual({ L: ['one'] });
  });

  it('whitespace beside elements is layout; other text beside elements is refused', () => {
    expect(typeObject({ '#text': ' \n\t', A: 'x' }, { A: 'string' })).toEqual({ A: 'x' });
    expect(() => typeObject({ '#text': 'hello', A: 'x' }, { A: 'string' })).toThrow(
      new UnexpectedShape('mixed text and elements'),
    );
  });

  it('untyped: structure kept, leaves as strings, nothing as null', () => {
    expect(untyped(undefined)).toBeNull();
    expect(untyped(null)).toBeNull();
    expect(untyped('s')).toBe('s');
    expect(untyped(0)).toBe('0');
    expect(untyped(true)).toBe('true');
    expect(untyped(5n)).toBe('5');
    expect(untyped([1, null, 'a'])).toEqual(['1', null, 'a']);
    expect(untyped({ a: { b: 2 } })).toEqual({ a: { b: '2' } });
  });
});

describe('reading bodies and XML', () => {
  it('bytes that are not UTF-8 are refused, saying so', () => {
    expect(() => readUpstreamBody(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow('not UTF-8 text');
  });

  it('an XML document has one root, whitespace around it or not', () => {
    expect(readXml('\n  <KMS><Code>c</Code></KMS>\n')).toEqual({
      root: 'KMS',
      content: { Code: 'c' },
    });
    expect(readXml('<?xml version="1.0"?><A>t</A>')).toEqual({ root: 'A', content: 't' });
  });
});

describe('writing XML', () => {
  it('null is an empty element', () => {
    expect(element('A', null)).toBe('<A/>');
    expect(element('A', { B: null, C: [] })).toBe('<A><B/></A>');
  });

  it('xmlSafe mends every forbidden character, not only the first', () => {
    expect(xmlSafe('a\u0000b\u0001c\uFFFF')).toBe('a\uFFFDb\uFFFDc\uFFFD');
    expect(xmlSafe('plain')).toBe('plain');
  });

  it('refusals say why: the name, or the character', () => {
    expect(() => element('a b', 'x')).toThrow(
      new NotRepresentableAsXml('element name is not a valid XML name'),
    );
    expect(() => element('A', 'x\u0001')).toThrow(
      new NotRepresentableAsXml('text holds a character XML 1.0 cannot carry'),
    );
  });

  it('a name checked once is still refused or accepted the same the next time', () => {
    for (let i = 0; i < 2; i++) {
      expect(element('Ok', 'v')).toBe('<Ok>v</Ok>');
      expect(() => element('1bad', 'v')).toThrow(NotRepresentableAsXml);
    }
  });
});
