/**
 * The general XML reader (fast-xml-parser, a third of the bundle) is loaded on first need, not at
 * cold start: KMS's own answers take the fast path without it, anything else waits for it once.
 */
import { describe, expect, it, vi } from 'vitest';

/** A fresh copy of the reader module, as a cold start sees it. */
async function coldReader() {
  vi.resetModules();
  return import('../../src/codec/xml-read.js');
}

const KMS_ANSWER =
  '<?xml version="1.0" encoding="UTF-8"?><EncryptResponse><KeyId>k</KeyId></EncryptResponse>';
const COMMENTED = '<EncryptResponse><!-- a comment --><KeyId>k</KeyId></EncryptResponse>';

describe('the general reader, loaded on first need', () => {
  it('reads a KMS answer on the fast path before anything is loaded', async () => {
    const { readXml } = await coldReader();
    expect(readXml(KMS_ANSWER)).toEqual({ root: 'EncryptResponse', content: { KeyId: 'k' } });
  });

  it('says so when a document needs it before it is loaded', async () => {
    const { readXml, GeneralXmlNotLoaded } = await coldReader();
    expect(() => readXml(COMMENTED)).toThrow(GeneralXmlNotLoaded);
  });

  it('withGeneralXml loads it and reads again, once: later reads need no loading', async () => {
    const { readXml, withGeneralXml } = await coldReader();
    const read = vi.fn(() => readXml(COMMENTED));
    expect(await withGeneralXml(read)).toEqual({
      root: 'EncryptResponse',
      content: { KeyId: 'k' },
    });
    expect(read).toHaveBeenCalledTimes(2);
    expect(readXml(COMMENTED).root).toBe('EncryptResponse');
  });

  it('a refusal of the general reader is an UnreadableXml of the reader, never another error', async () => {
    const { readXml, withGeneralXml, UnreadableXml } = await coldReader();
    const refused = withGeneralXml(() => readXml('<A><!DOCTYPE x><B/></A>'));
    await expect(refused).rejects.toThrow(UnreadableXml);
    await expect(refused).rejects.toThrow('XML with a DOCTYPE');
  });

  it('any other error passes through without loading', async () => {
    const { withGeneralXml } = await coldReader();
    const other = new RangeError('not about XML');
    await expect(
      withGeneralXml(() => {
        throw other;
      }),
    ).rejects.toBe(other);
  });
});
