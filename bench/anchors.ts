/**
 * What a caller could run instead of the gateway, each turning the same upstream bytes into
 * caller JSON (or XML): fast-xml-parser with lean options, xml2js as Alibaba's SDKs run it
 * (`explicitArray: false`), txml (about the fastest XML reading JavaScript allows), and the
 * JSON floor. None of them types values by schema; they are anchors, not alternatives.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { type TNode, parse as txmlParse, simplify as txmlSimplify } from 'txml/txml';
import { Parser as Xml2jsParser } from 'xml2js';

const decoder = new TextDecoder();
const leanParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });
const xml2js = new Xml2jsParser({ explicitArray: false });
const builder = new XMLBuilder();

export const fxpLean = (xml: Uint8Array) => JSON.stringify(leanParser.parse(decoder.decode(xml)));

/** xml2js parses synchronously when its callback is called before parseString returns. */
export function xml2jsSdk(xml: Uint8Array): string {
  let out: unknown;
  xml2js.parseString(decoder.decode(xml), (error: Error | null, result: unknown) => {
    if (error) throw error;
    out = result;
  });
  return JSON.stringify(out);
}

export const txml = (xml: Uint8Array) =>
  JSON.stringify(txmlSimplify(txmlParse(decoder.decode(xml), { decodeEntities: true }) as TNode[]));

export const jsonFloor = (json: Uint8Array) => JSON.stringify(JSON.parse(decoder.decode(json)));

export const jsonToXmlBuilder = (action: string, json: Uint8Array) =>
  builder.build({ [`${action}Response`]: JSON.parse(decoder.decode(json)) });
