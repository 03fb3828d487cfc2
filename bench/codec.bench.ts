/**
 * The cost of converting correctly, beside the naive conversion most gateways do (fast-xml-parser
 * defaults: guessed numbers, one-item lists as objects). Same payloads, same run.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { bench, describe } from 'vitest';
import { renderSuccess } from '../src/codec/render.js';
import { typeObject } from '../src/codec/typed.js';
import { readUpstreamBody } from '../src/codec/upstream-body.js';
import { ACTIONS } from '../src/kms/actions.generated.js';
import type { ObjectSchema } from '../src/kms/schema.js';

const listKeys = ACTIONS.ListKeys?.response as ObjectSchema;
const keys = Array.from({ length: 100 }, (_, i) => ({
  KeyId: `0${i}c33a6f-4e0a-4a1b-a3fa-7ddfa1d4${String(i).padStart(4, '0')}`,
  KeyArn: `acs:kms:cn-hangzhou:123456:key/0${i}c33a6f-4e0a-4a1b-a3fa-7ddfa1d4${String(i).padStart(4, '0')}`,
}));
const xml = `<?xml version="1.0" encoding="UTF-8"?><ListKeysResponse><Keys>${keys
  .map((k) => `<Key><KeyId>${k.KeyId}</KeyId><KeyArn>${k.KeyArn}</KeyArn></Key>`)
  .join(
    '',
  )}</Keys><TotalCount>100</TotalCount><PageNumber>1</PageNumber><PageSize>100</PageSize><RequestId>8252db58-2036-408c-a3d5-56e656dc2551</RequestId></ListKeysResponse>`;
const json = JSON.stringify({
  Keys: { Key: keys },
  TotalCount: 100,
  PageNumber: 1,
  PageSize: 100,
  RequestId: 'r',
});
const xmlBytes = new TextEncoder().encode(xml);
const jsonBytes = new TextEncoder().encode(json);

const naiveParser = new XMLParser();
const naiveBuilder = new XMLBuilder();

describe('ListKeys, 100 keys: upstream XML → caller JSON', () => {
  bench('kms-normalizer (validated, schema-typed)', () => {
    renderSuccess('ListKeys', typeObject(readUpstreamBody(xmlBytes).content, listKeys), 'JSON');
  });
  bench('baseline: fast-xml-parser defaults + JSON.stringify', () => {
    JSON.stringify(naiveParser.parse(new TextDecoder().decode(xmlBytes)));
  });
});

describe('ListKeys, 100 keys: upstream JSON → caller XML', () => {
  bench('kms-normalizer (schema-typed, own writer)', () => {
    renderSuccess('ListKeys', typeObject(readUpstreamBody(jsonBytes).content, listKeys), 'XML');
  });
  bench('baseline: JSON.parse + fast-xml-parser XMLBuilder', () => {
    naiveBuilder.build({ ListKeysResponse: JSON.parse(new TextDecoder().decode(jsonBytes)) });
  });
});
