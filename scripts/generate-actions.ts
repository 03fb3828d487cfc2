/**
 * Generates src/kms/actions.generated.ts from the vendored KMS metadata (kms-api/).
 *
 *   npm run generate          write the table
 *   npm run generate:check    exit 1 if the committed table differs from what would be written
 *
 * Only the `response` schema is read for shapes: the metadata's XML demos drop the item level of
 * lists (see kms-api/README.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import {
  type ActionSpec,
  type ObjectSchema,
  PACKED,
  type PackedAction,
  type PackedSchema,
  type ParamKind,
  type Schema,
  unpackActions,
} from '../src/kms/schema.js';
import { API_VERSION } from '../src/protocol/rpc.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(root, 'kms-api/kms-2016-01-20.json');
const TARGET = join(root, 'src/kms/actions.generated.ts');

interface MetaSchema {
  type?: string;
  format?: string;
  required?: boolean;
  style?: string;
  properties?: Record<string, MetaSchema>;
  items?: MetaSchema;
}
interface MetaApi {
  methods: string[];
  operationType: string | null;
  parameters: { name: string; in: string; schema: MetaSchema }[];
  response?: MetaSchema;
  errorCodes: Record<string, { errorCode: string; errorMessage: string }[]> | null;
}
interface Meta {
  source: string;
  info: { version: string };
  endpoints: { regionId: string; endpoint: string }[];
  apis: Record<string, MetaApi>;
}

/**
 * The metadata marks these certificate actions `read`, but they change state; a read may be
 * retried, so they are corrected to `write` here.
 */
const OPERATION_TYPE_FIXES: Readonly<Record<string, string>> = {
  DeleteCertificate: 'write',
  UpdateCertificateStatus: 'write',
  UploadCertificate: 'write',
};

function toSchema(s: MetaSchema | undefined): Schema {
  switch (s?.type) {
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array':
      return [toSchema(s.items)];
    case 'object': {
      const out: Record<string, Schema> = {};
      for (const [name, child] of Object.entries(s.properties ?? {})) out[name] = toSchema(child);
      return out;
    }
    default:
      return 'string';
  }
}

function paramKind(s: MetaSchema): ParamKind {
  if (s.type === 'integer') return 'integer';
  if (s.type === 'boolean') return 'boolean';
  if (s.type === 'array') return 'list';
  if (s.type === 'object') return 'json';
  return 'string';
}

/** The status most often documented for each code across all actions (first seen on a tie). */
function errorStatuses(apis: Record<string, MetaApi>): Record<string, number> {
  const counts = new Map<string, Map<number, number>>();
  for (const api of Object.values(apis)) {
    for (const [status, list] of Object.entries(api.errorCodes ?? {})) {
      for (const { errorCode } of list) {
        const byStatus = counts.get(errorCode) ?? new Map<number, number>();
        byStatus.set(Number(status), (byStatus.get(Number(status)) ?? 0) + 1);
        counts.set(errorCode, byStatus);
      }
    }
  }
  const out: Record<string, number> = {};
  for (const code of [...counts.keys()].sort()) {
    const byStatus = counts.get(code) as Map<number, number>;
    let best = 0;
    let bestCount = 0;
    for (const [status, n] of byStatus) {
      if (n > bestCount) [best, bestCount] = [status, n];
    }
    out[code] = best;
  }
  return out;
}

function packSchema(schema: Schema): PackedSchema {
  if (typeof schema === 'string') return PACKED.scalar(schema);
  if (Array.isArray(schema)) return [packSchema(schema[0] as Schema)];
  return Object.fromEntries(
    Object.entries(schema).map(([field, value]) => [field, packSchema(value)]),
  );
}

/** A parameter name the packed form can hold (no separator in it). */
const PARAM_NAME = /^[A-Za-z0-9.]+$/;

function pack(spec: ActionSpec): PackedAction {
  const methods = spec.methods.join(',');
  return [
    PACKED.operationType(spec.operationType),
    methods === 'GET,POST' ? '' : methods,
    spec.params
      .map((param) => {
        if (!PARAM_NAME.test(param.name)) throw new Error(`parameter name ${param.name}`);
        return `${param.name}${param.required ? '!' : ''}:${PACKED.paramKind(param.kind)}`;
      })
      .join(','),
    packSchema(spec.response),
  ];
}

export function generate(meta: Meta): string {
  const actions: Record<string, ActionSpec> = {};
  for (const name of Object.keys(meta.apis).sort()) {
    const api = meta.apis[name] as MetaApi;
    actions[name] = {
      operationType: (OPERATION_TYPE_FIXES[name] ??
        api.operationType) as ActionSpec['operationType'],
      methods: api.methods.map((m) => m.toUpperCase()).sort() as ActionSpec['methods'],
      params: api.parameters.map((p) => ({
        name: p.name,
        kind: paramKind(p.schema),
        required: p.schema.required === true,
      })),
      response: toSchema(api.response ?? { type: 'object' }) as ObjectSchema,
    };
  }
  const packed = Object.fromEntries(
    Object.entries(actions).map(([name, spec]) => [name, pack(spec)]),
  );
  // The packed form must say exactly what the metadata says.
  if (!isDeepStrictEqual(unpackActions(packed), actions)) {
    throw new Error('the packed actions do not unpack to the metadata');
  }
  const endpoints: Record<string, string> = {};
  for (const { regionId, endpoint } of meta.endpoints) endpoints[regionId] = endpoint;

  const json = (v: unknown) => JSON.stringify(v);
  const lines = [
    '// GENERATED by scripts/generate-actions.ts from kms-api/kms-2016-01-20.json. Do not edit:',
    '// change the generator or the metadata and run `npm run generate`.',
    "import { type ActionSpec, unpackActions } from './schema.js';",
    '',
    '/**',
    ' * Every KMS 2016-01-20 action: parameters, operation type and 200 response schema, packed',
    ' * (`PackedAction` in schema.ts says how) and spelled out once at load.',
    ' */',
    'export const ACTIONS: Readonly<Record<string, ActionSpec>> = unpackActions({',
    ...Object.entries(packed).map(([name, spec]) => `  ${name}: ${json(spec)},`),
    '});',
    '',
    '/** Region id → public KMS endpoint host. */',
    'export const REGION_ENDPOINTS: Readonly<Record<string, string>> = {',
    ...Object.entries(endpoints).map(([r, host]) => `  ${json(r)}: ${json(host)},`),
    '};',
    '',
    '/** Error code → the HTTP status the metadata documents for it most often. */',
    'export const METADATA_ERROR_STATUS: Readonly<Record<string, number>> = {',
    ...Object.entries(errorStatuses(meta.apis)).map(([c, s]) => `  ${json(c)}: ${s},`),
    '};',
    '',
  ];
  return lines.join('\n');
}

const meta = JSON.parse(readFileSync(SOURCE, 'utf8')) as Meta;
// The product speaks one API version (protocol/rpc.ts); a table of another would be a lie.
if (meta.info.version !== API_VERSION) {
  console.error(`${SOURCE} describes ${meta.info.version}, the product speaks ${API_VERSION}`);
  process.exit(1);
}
const output = generate(meta);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {}
  if (current !== output) {
    console.error(`${TARGET} is stale: run \`npm run generate\` and commit the result.`);
    process.exit(1);
  }
  console.log('actions table is up to date');
} else {
  writeFileSync(TARGET, output);
  console.log(`wrote ${TARGET} (${Object.keys(meta.apis).length} actions)`);
}
