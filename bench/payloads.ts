/**
 * The three upstream answers the benchmarks convert, as KMS sends them (compact XML with the
 * declaration and the `<{Action}Response>` root, or JSON): a small Encrypt, ListKeys with 100
 * keys, and a large ListSecrets of 1 000 secrets with two tags each.
 */
import { renderSuccess } from '../src/codec/render.js';
import type { TypedObject } from '../src/codec/typed.js';
import { ACTIONS } from '../src/kms/actions.generated.js';
import type { ObjectSchema } from '../src/kms/schema.js';

export interface Payload {
  readonly name: string;
  readonly action: string;
  readonly schema: ObjectSchema;
  readonly xml: Uint8Array;
  readonly json: Uint8Array;
}

const id = (n: number) =>
  `${(0x08c33a6f + n).toString(16)}-4e0a-4a1b-a3fa-7ddfa1d4${String(n % 10_000).padStart(4, '0')}`;
const requestId = '8252DB58-2036-408C-A3D5-56E656DC2551';

const encrypt: TypedObject = {
  CiphertextBlob:
    'ODZhOWVmZDktM2QxNi00ODk0LWJkNGYtMWZjNDNmM2YyYWJmS7FmDBBQ0BkKsQrtRnidtPwirmDcS0ZuJCU41xxAAWk4Z8qsADfbV0b+i6kQmlvj79dJdGOvtX69Uycs901qOjop4bTS4Z8qsADfbV0b+i6kQmlvj79dJdGOvtX69Uycs901qOjop4bTS',
  KeyId: id(1),
  KeyVersionId: id(2),
  RequestId: requestId,
};

const listKeys: TypedObject = {
  Keys: {
    Key: Array.from({ length: 100 }, (_, i) => ({
      KeyId: id(i),
      KeyArn: `acs:kms:cn-hangzhou:1234567890123456:key/${id(i)}`,
    })),
  },
  TotalCount: 100,
  PageNumber: 1,
  PageSize: 100,
  RequestId: requestId,
};

const listSecrets: TypedObject = {
  SecretList: {
    Secret: Array.from({ length: 1_000 }, (_, i) => ({
      SecretName: `app/db-password-${i}`,
      SecretType: 'Generic',
      CreateTime: '2024-03-01T08:00:00Z',
      UpdateTime: '2024-06-15T12:30:00Z',
      PlannedDeleteTime: '',
      Tags: {
        Tag: [
          { TagKey: 'team', TagValue: `team-${i % 7}` },
          { TagKey: 'env', TagValue: i % 2 ? 'prod' : 'staging' },
        ],
      },
    })),
  },
  TotalCount: 1_000,
  PageNumber: 1,
  PageSize: 1_000,
  RequestId: requestId,
};

const encoder = new TextEncoder();
function payload(name: string, action: string, value: TypedObject): Payload {
  return {
    name,
    action,
    schema: (ACTIONS[action] as { response: ObjectSchema }).response,
    xml: encoder.encode(renderSuccess(action, value, 'XML')),
    json: encoder.encode(JSON.stringify(value)),
  };
}

export const PAYLOADS: readonly Payload[] = [
  payload('Encrypt', 'Encrypt', encrypt),
  payload('ListKeys, 100 keys', 'ListKeys', listKeys),
  payload('ListSecrets, 1 000 secrets', 'ListSecrets', listSecrets),
];

export const kB = (bytes: Uint8Array) => `${(bytes.byteLength / 1024).toFixed(1)} kB`;
