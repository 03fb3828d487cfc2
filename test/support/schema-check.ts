/**
 * Does an answer match its action's response schema? Every field the schema lists is there, no
 * field it does not list is, and each has the schema's type: in JSON as typed values, in XML as
 * text that parses to that type. Returns the problems, each with its path.
 */
import { XMLParser } from 'fast-xml-parser';
import {
  isArraySchema,
  isObjectSchema,
  type ObjectSchema,
  type Schema,
} from '../../src/kms/schema.js';

export interface CheckOptions {
  /** dotted paths the action may leave out (e.g. a field only some key types carry) */
  readonly optional?: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function check(
  value: unknown,
  schema: Schema,
  path: string,
  flavor: 'json' | 'xml',
  options: CheckOptions,
  problems: string[],
): void {
  if (isArraySchema(schema)) {
    // In XML a list of one is a single element; an empty list has no element at all.
    const items = Array.isArray(value)
      ? value
      : flavor === 'xml' && value !== undefined
        ? [value]
        : value;
    if (!Array.isArray(items)) {
      problems.push(`${path}: expected a list, got ${JSON.stringify(value)}`);
      return;
    }
    items.forEach((item, i) => {
      check(item, schema[0], `${path}[${i}]`, flavor, options, problems);
    });
    return;
  }
  if (isObjectSchema(schema)) {
    const object = flavor === 'xml' && value === '' ? {} : value;
    if (!isRecord(object)) {
      problems.push(`${path}: expected an object, got ${JSON.stringify(value)}`);
      return;
    }
    for (const name of Object.keys(object)) {
      if (!Object.hasOwn(schema, name)) problems.push(`${path}.${name}: not in the schema`);
    }
    for (const [name, child] of Object.entries(schema)) {
      const childPath = path ? `${path}.${name}` : name;
      if (!Object.hasOwn(object, name)) {
        // An empty XML list leaves no element behind; JSON lists are always there.
        const emptyXmlList = flavor === 'xml' && isArraySchema(child);
        if (!emptyXmlList && !options.optional?.includes(childPath.replace(/\[\d+\]/g, '[]'))) {
          problems.push(`${childPath}: missing`);
        }
        continue;
      }
      check(object[name], child, childPath, flavor, options, problems);
    }
    return;
  }
  const ok =
    flavor === 'json'
      ? schema === 'integer'
        ? Number.isInteger(value)
        : schema === 'boolean'
          ? typeof value === 'boolean'
          : typeof value === 'string'
      : typeof value === 'string' &&
        (schema === 'integer'
          ? /^-?\d+$/.test(value)
          : schema === 'boolean'
            ? /^(true|false)$/.test(value)
            : true);
  if (!ok) problems.push(`${path}: expected ${schema}, got ${JSON.stringify(value)}`);
}

export function jsonProblems(
  value: unknown,
  schema: ObjectSchema,
  options: CheckOptions = {},
): string[] {
  const problems: string[] = [];
  check(value, schema, '', 'json', options, problems);
  return problems;
}

const xml = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: false });

/** Checks an XML answer's single root element against the schema; returns the root name too. */
export function xmlProblems(
  text: string,
  schema: ObjectSchema,
  options: CheckOptions = {},
): { root: string; problems: string[] } {
  const tree = xml.parse(text) as Record<string, unknown>;
  const [root = ''] = Object.keys(tree).filter((k) => k !== '?xml');
  const problems: string[] = [];
  check(tree[root], schema, '', 'xml', options, problems);
  return { root, problems };
}
