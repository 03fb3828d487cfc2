/**
 * The fast path (xml-fast.ts) and the general path (fast-xml-parser, xml-general.ts) must agree:
 * fed the same document, the reader the gateway runs (fast, else general) and the general path
 * alone give the same root and the same typed value, or the same refusal. Documents are valid
 * KMS answers for every action's schema, pretty-printed or not, with or without the
 * declaration, and mutations of them: entities, references, whitespace, CDATA, comments,
 * processing instructions, attributes, DOCTYPE, forbidden characters, truncation, bad nesting.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderSuccess } from '../../src/codec/render.js';
import { isRecord, typeObject, UnexpectedShape } from '../../src/codec/typed.js';
import { holdsForbidden } from '../../src/codec/xml-chars.js';
import { UnreadableXml, type XmlDocument } from '../../src/codec/xml-document.js';
import { readKmsXml } from '../../src/codec/xml-fast.js';
import { readGeneralXml } from '../../src/codec/xml-general.js';
import { loadGeneralXml, readXml } from '../../src/codec/xml-read.js';
import type { ObjectSchema } from '../../src/kms/schema.js';
import { runs } from '../support/runs.js';
import { anAction } from './arbitraries.js';

/** What the general path alone does: the reader as it was before the fast path existed. */
function generalOnly(text: string): XmlDocument {
  if (holdsForbidden(text)) throw new UnreadableXml('XML with a character XML 1.0 forbids');
  const read = readGeneralXml(text);
  if ('refused' in read) throw new UnreadableXml(read.refused);
  return read;
}

type Outcome = { root: string; json: string } | { refused: string };

function outcome(read: (text: string) => XmlDocument, text: string, schema: ObjectSchema): Outcome {
  try {
    const { root, content } = read(text);
    // As readUpstreamBody and readAnswer do; JSON.stringify so field order counts too.
    return { root, json: JSON.stringify(typeObject(isRecord(content) ? content : {}, schema)) };
  } catch (error) {
    if (error instanceof UnreadableXml || error instanceof UnexpectedShape) {
      return { refused: `${error.name}: ${error.message}` };
    }
    throw error;
  }
}

/** A valid answer as KMS could send it: either root, declaration or not, indented or not. */
const anAnswer = fc
  .record({
    answer: anAction,
    kmsRoot: fc.boolean(),
    declaration: fc.constantFrom(
      '<?xml version="1.0" encoding="UTF-8"?>',
      "<?xml version='1.0'?>",
      '<?xml version="1.0" encoding="utf-8" standalone="yes" ?>',
      '',
    ),
    indent: fc.constantFrom('', '\n', '\n  ', '\r\n\t'),
    empty: fc.constantFrom('<$1/>', '<$1></$1>'),
  })
  .map(({ answer, kmsRoot, declaration, indent, empty }) => {
    let xml = renderSuccess(answer.action, answer.value, 'XML');
    xml = xml.replace(/^<\?xml[^>]*\?>/, declaration);
    if (kmsRoot) xml = xml.replace(/<(\/?)\w+Response>/g, '<$1KMS>');
    if (indent) xml = xml.replace(/></g, `>${indent}<`);
    xml = xml.replace(/<(\w+)\/>/g, empty);
    return { schema: answer.schema, xml };
  });

const SNIPPETS = [
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x41;',
  '&#X41;',
  '&#0065;',
  '&#x1F600;',
  '&#0;',
  '&#xD800;',
  '&#xFFFE;',
  '&#x110000;',
  '&#99999999;',
  '&nbsp;',
  '&bogus;',
  '&#;',
  '&',
  '<![CDATA[x<y&z]]>',
  '<!-- c -->',
  '<?pi x?>',
  '<!DOCTYPE a>',
  '<!ENTITY e "x">',
  ' ',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '\u00A0',
  '<',
  '>',
  '/',
  '"',
  '=',
  ' a="1"',
  " xmlns='urn:x'",
  '<b/>',
  '<b>t</b>',
  '</b>',
  '<KeyId>k</KeyId>',
  '<RequestId/>',
  '<__proto__>x</__proto__>',
  '<toString>x</toString>',
  '<constructor/>',
  '<ns:a>x</ns:a>',
  '<é>x</é>',
  '\u0000',
  '\u0008',
  '\uFFFF',
  'é',
  '😀',
  ']]>',
  'x',
];

type Mutation =
  | { kind: 'insert'; at: number; snippet: string }
  | { kind: 'in-text'; nth: number; snippet: string }
  | { kind: 'at-markup'; nth: number; snippet: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'rename-end-tag'; nth: number };

// Text and markup that keep a document in the KMS dialect, so mutations often stay on the fast
// path and the two paths are compared on what they both read, not only on refusals.
const BENIGN = [
  '&amp;',
  '&lt;',
  '&#65;',
  '&#x1F600;',
  '&#13;',
  ' ',
  '\n',
  '\r\n',
  '\r',
  'é',
  '😀',
  '>',
  'x',
];

const aMutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 16,
    arbitrary: fc.record({
      kind: fc.constant('in-text'),
      nth: fc.nat(),
      snippet: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...BENIGN) },
        { weight: 1, arbitrary: fc.constantFrom(...SNIPPETS) },
      ),
    }),
  },
  fc.record({ kind: fc.constant('insert'), at: fc.nat(), snippet: fc.constantFrom(...SNIPPETS) }),
  fc.record({
    kind: fc.constant('at-markup'),
    nth: fc.nat(),
    snippet: fc.constantFrom(' a="1"', ' ', '/', ' /', '\n', 'x', '-', '.', ':p'),
  }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete'), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('duplicate'),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({ kind: fc.constant('rename-end-tag'), nth: fc.nat() }),
) as fc.Arbitrary<Mutation>;

function mutate(xml: string, m: Mutation): string {
  const at = 'at' in m ? m.at % (xml.length + 1) : 0;
  switch (m.kind) {
    case 'insert':
      return xml.slice(0, at) + m.snippet + xml.slice(at);
    case 'in-text': {
      // Right after the n-th `>`: the start of an element's text, or between two elements.
      const ends = [...xml.matchAll(/>/g)].map((x) => (x.index as number) + 1);
      if (ends.length === 0) return xml;
      const where = ends[m.nth % ends.length] as number;
      return xml.slice(0, where) + m.snippet + xml.slice(where);
    }
    case 'at-markup': {
      // Inside a tag: before the n-th `>` (attributes, a space, a slash) or after the n-th `<`.
      const marks = [...xml.matchAll(/[<>]/g)].map((x) => x.index as number);
      if (marks.length === 0) return xml;
      const i = marks[m.nth % marks.length] as number;
      const where = xml[i] === '>' ? i : i + 1;
      return xml.slice(0, where) + m.snippet + xml.slice(where);
    }
    case 'truncate':
      return xml.slice(0, at);
    case 'delete':
      return xml.slice(0, at) + xml.slice(at + m.length);
    case 'duplicate':
      return xml.slice(0, at + m.length) + xml.slice(at, at + m.length) + xml.slice(at + m.length);
    case 'rename-end-tag': {
      const ends = [...xml.matchAll(/<\/(\w+)>/g)];
      if (ends.length === 0) return xml;
      const end = ends[m.nth % ends.length] as RegExpMatchArray;
      const i = end.index as number;
      return `${xml.slice(0, i)}</${end[1]}x>${xml.slice(i + end[0].length)}`;
    }
  }
}

const aMutatedAnswer = fc
  .record({ answer: anAnswer, mutations: fc.array(aMutation, { minLength: 1, maxLength: 3 }) })
  .map(({ answer, mutations }) => ({
    schema: answer.schema,
    xml: mutations.reduce(mutate, answer.xml),
  }));

// 100 000 runs under `npm run fuzz` take minutes, not the 30 s a test gets by default.
const timeout = runs(30_000, 1_200_000);

// Documents outside KMS's dialect are read here directly, not through the KMS client that
// loads the general reader on first need (codec/xml-read.ts).
beforeAll(loadGeneralXml);

describe('the fast path agrees with fast-xml-parser', () => {
  it(
    'reads every valid KMS answer itself, to the same typed value',
    () => {
      fc.assert(
        fc.property(anAnswer, ({ schema, xml }) => {
          expect(readKmsXml(xml)).toBeDefined();
          expect(outcome(readXml, xml, schema)).toEqual(outcome(generalOnly, xml, schema));
        }),
        { numRuns: runs(1000, 100_000) },
      );
    },
    timeout,
  );

  it(
    'on mutated answers: the same typed value or the same refusal',
    () => {
      let taken = 0;
      let total = 0;
      fc.assert(
        fc.property(aMutatedAnswer, ({ schema, xml }) => {
          total++;
          if (!holdsForbidden(xml) && readKmsXml(xml)) taken++;
          expect(outcome(readXml, xml, schema)).toEqual(outcome(generalOnly, xml, schema));
        }),
        { numRuns: runs(1000, 100_000) },
      );
      // Not vacuous: a good share of the mutated documents is still the fast path's to read.
      expect(taken / total).toBeGreaterThan(0.1);
    },
    timeout,
  );
});
