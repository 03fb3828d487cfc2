/**
 * What every deployment mode must show through serverless-offline against the emulator:
 * crypto round trips, lists that are always lists, typed numbers, format negotiation, and every
 * error in the envelope with the upstream RequestId and HostId unchanged.
 */
import { createRequire } from 'node:module';
import type * as KmsSdk from '@alicloud/kms20160120';
import RPCClient from '@alicloud/pop-core';
import { Config } from '@alicloud/rpc-client';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCESS_KEY,
  CALLER_KEY,
  type Caller,
  caller,
  HOST_ID,
  type Signing,
  type Stack,
  startStack,
} from './stack.js';

// A CommonJS package: require gives its exports object the same way under Node and Vitest.
const $Kms = createRequire(import.meta.url)('@alicloud/kms20160120') as typeof KmsSdk.default;
const Kms = $Kms.default;

// An independent reading of the XML the caller gets (not the product's own reader).
const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'Key' });
export const readXml = (text: string) => xml.parse(text) as Record<string, Record<string, unknown>>;

export const ENVELOPE_FIELDS = ['HttpStatus', 'Code', 'Message', 'RequestId', 'HostId'];

/** The envelope of a response, checked for shape: five fields, in order, HttpStatus = status. */
export async function envelopeOf(response: Response): Promise<Record<string, unknown>> {
  const body = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let envelope: Record<string, unknown>;
  if (type.startsWith('application/json')) {
    envelope = JSON.parse(body);
  } else {
    expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?><KMS>')).toBe(true);
    const read = readXml(body).KMS as Record<string, unknown>;
    envelope = { ...read, HttpStatus: Number(read.HttpStatus) };
  }
  expect(Object.keys(envelope)).toEqual(ENVELOPE_FIELDS);
  expect(envelope.HttpStatus).toBe(response.status);
  return envelope;
}

export function gatewaySuite(
  name: string,
  options: {
    signs: boolean;
    env?: Record<string, string>;
    signing?: Signing;
    api?: 'http' | 'rest';
  },
) {
  describe(name, () => {
    let stack: Stack;
    const kms: Caller = caller(() => stack, options.signing ?? options.signs);
    // Passthrough callers sign for KMS; sign-mode callers with their caller key.
    const sdkKey = options.signs ? ACCESS_KEY : CALLER_KEY;

    beforeAll(async () => {
      stack = await startStack({
        api: options.api,
        env: { KMS_MODE: options.signs ? 'passthrough' : 'sign', ...options.env },
      });
    });
    afterAll(async () => {
      await stack?.stop();
    });
    beforeEach(() => {
      stack.emulator.state.reset();
      stack.emulator.clearFaults();
    });

    const json = async (response: Response) => {
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      return (await response.json()) as Record<string, unknown>;
    };

    it('Encrypt → Decrypt round trip, EncryptionContext bound', async () => {
      const key = stack.emulator.state.createKey();
      stack.emulator.state.createAlias('alias/e2e', key.KeyId);
      const context = JSON.stringify({ tenant: 'acme', purpose: 'e2e' });
      const encrypted = await kms.call({
        Action: 'Encrypt',
        KeyId: 'alias/e2e',
        Plaintext: 'aGVsbG8gd29ybGQ=',
        EncryptionContext: context,
      });
      expect(encrypted.status).toBe(200);
      const sealed = await json(encrypted);
      expect(sealed.KeyId).toBe(key.KeyId);
      expect(typeof sealed.CiphertextBlob).toBe('string');
      const decrypted = await json(
        await kms.call({
          Action: 'Decrypt',
          CiphertextBlob: sealed.CiphertextBlob as string,
          EncryptionContext: context,
        }),
      );
      expect(decrypted.Plaintext).toBe('aGVsbG8gd29ybGQ=');
      expect(decrypted.KeyId).toBe(key.KeyId);
    });

    it.each([0, 1, 3])(
      'ListKeys with %i keys: a JSON array, the matching XML, TotalCount a number',
      async (n) => {
        const ids = Array.from({ length: n }, () => stack.emulator.state.createKey().KeyId);
        const listed = await json(await kms.call({ Action: 'ListKeys', PageSize: '10' }));
        const keys = (listed.Keys as { Key: { KeyId: string }[] }).Key;
        expect(Array.isArray(keys)).toBe(true);
        expect(keys.map((k) => k.KeyId).sort()).toEqual([...ids].sort());
        expect(listed.TotalCount).toBe(n);
        expect(listed.PageNumber).toBe(1);
        expect(listed.PageSize).toBe(10);

        const response = await kms.call({ Action: 'ListKeys', PageSize: '10', Format: 'XML' });
        expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
        const body = await response.text();
        expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?><ListKeysResponse>')).toBe(
          true,
        );
        const root = readXml(body).ListKeysResponse as Record<string, unknown>;
        expect(root.TotalCount).toBe(String(n));
        const xmlKeys = ((root.Keys as { Key?: { KeyId: string }[] }).Key ?? []).map(
          (k) => k.KeyId,
        );
        expect(xmlKeys.sort()).toEqual([...ids].sort());
        expect(body.match(/<Key>/g)?.length ?? 0).toBe(n);
      },
    );

    it('XML by Format=XML, by Accept: application/xml and by Accept: text/xml', async () => {
      stack.emulator.state.createKey();
      const byFormat = await kms.call({ Action: 'ListKeys', Format: 'xml' });
      expect(byFormat.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const byAccept = await kms.call({ Action: 'ListKeys' }, { accept: 'application/xml' });
      expect(byAccept.headers.get('content-type')).toBe('application/xml; charset=utf-8');
      const byTextXml = await kms.call({ Action: 'ListKeys' }, { accept: 'text/xml' });
      expect(byTextXml.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      for (const response of [byFormat, byAccept, byTextXml]) {
        expect(response.status).toBe(200);
        expect(
          (await response.text()).startsWith(
            '<?xml version="1.0" encoding="UTF-8"?><ListKeysResponse>',
          ),
        ).toBe(true);
      }
    });

    it('Format beats Accept, both ways', async () => {
      const asJson = await kms.call(
        { Action: 'ListKeys', Format: 'JSON' },
        { accept: 'application/xml' },
      );
      expect(asJson.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await asJson.json()).toMatchObject({ Keys: { Key: [] }, TotalCount: 0 });
      const asXml = await kms.call(
        { Action: 'ListKeys', Format: 'XML' },
        { accept: 'application/json' },
      );
      expect(asXml.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    });

    it('every answer carries the documented headers, x-acs-request-id = RequestId', async () => {
      const response = await kms.call({ Action: 'ListKeys' });
      const body = await json(response);
      expect(response.headers.get('vary')).toBe('Accept');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-acs-request-id')).toBe(body.RequestId);
      expect(String(body.RequestId)).toMatch(/^[0-9A-F-]{36}$/);
    });

    it('Alibaba SDKs pointed at the gateway work unchanged (pop-core, kms20160120)', async () => {
      const key = stack.emulator.state.createKey();
      const pop = new RPCClient({
        accessKeyId: sdkKey.id,
        accessKeySecret: sdkKey.secret,
        endpoint: stack.gateway.url,
        apiVersion: '2016-01-20',
      });
      const sealed = (await pop.request(
        'Encrypt',
        { KeyId: key.KeyId, Plaintext: 'c2Rr' },
        { method: 'POST', timeout: 10_000 },
      )) as { CiphertextBlob: string };
      const tea = new Kms(
        new Config({
          accessKeyId: sdkKey.id,
          accessKeySecret: sdkKey.secret,
          endpoint: new URL(stack.gateway.url).host,
          protocol: 'http',
          regionId: 'cn-hangzhou',
        }),
      );
      const opened = await tea.decrypt(
        new $Kms.DecryptRequest({ ciphertextBlob: sealed.CiphertextBlob }),
      );
      expect(opened.plaintext).toBe('c2Rr');
      const listed = await tea.listKeys(new $Kms.ListKeysRequest({}));
      expect(listed.totalCount).toBe(1);
      let code: unknown;
      try {
        await pop.request(
          'DescribeKey',
          { KeyId: 'alias/nope' },
          { method: 'POST', timeout: 10_000 },
        );
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
      expect(code).toBe('Forbidden.AliasNotFound');
    });

    describe('errors from KMS reach the caller in the envelope, RequestId and HostId unchanged', () => {
      const cases: [string, () => Record<string, string>, number, string, string][] = [
        [
          'unknown key',
          () => ({ Action: 'DescribeKey', KeyId: '00000000-0000-0000-0000-000000000000' }),
          404,
          'Forbidden.KeyNotFound',
          'The specified Key is not found.',
        ],
        [
          'unknown alias',
          () => ({ Action: 'Encrypt', KeyId: 'alias/nope', Plaintext: 'eA==' }),
          404,
          'Forbidden.AliasNotFound',
          'The specified Alias is not found.',
        ],
        [
          'disabled key',
          () => {
            const key = stack.emulator.state.createKey();
            stack.emulator.state.setKeyState(key.KeyId, 'Disabled');
            return { Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'eA==' };
          },
          409,
          'Rejected.Disabled',
          'The request was rejected because the key state is Disabled.',
        ],
        [
          'key pending deletion',
          () => {
            const key = stack.emulator.state.createKey();
            stack.emulator.state.setKeyState(key.KeyId, 'PendingDeletion');
            return { Action: 'Encrypt', KeyId: key.KeyId, Plaintext: 'eA==' };
          },
          409,
          'Rejetced.PendingDeletion',
          'The request was rejected because the key state is PendingDeletion.',
        ],
      ];
      for (const format of ['JSON', 'XML'] as const) {
        it.each(cases)(`%s (${format})`, async (_name, params, status, code, message) => {
          const response = await kms.call({ ...params(), Format: format });
          expect(response.status).toBe(status);
          const envelope = await envelopeOf(response);
          const upstream = stack.emulator.requests.at(-1);
          expect(envelope).toEqual({
            HttpStatus: status,
            Code: code,
            Message: message,
            RequestId: upstream?.requestId,
            HostId: HOST_ID,
          });
          expect(response.headers.get('x-acs-request-id')).toBe(upstream?.requestId);
        });
      }
    });

    describe('errors raised by the gateway, before any upstream call', () => {
      const cases: [string, Record<string, string>, string | undefined, number, string, string][] =
        [
          [
            'missing Action',
            {},
            undefined,
            400,
            'MissingParameter',
            // A V3 caller names its action in the x-acs-action header, so that is what it lacks.
            `The parameter "${options.signing === 'caller-v3' ? 'x-acs-action' : 'Action'}" is needed but not provided.`,
          ],
          [
            'missing KeyId',
            { Action: 'Encrypt', Plaintext: 'eA==' },
            undefined,
            400,
            'MissingParameter',
            'The parameter "KeyId" is needed but not provided.',
          ],
          [
            'bad Format',
            { Action: 'ListKeys', Format: 'YAML' },
            undefined,
            400,
            'InvalidParameter',
            'The specified parameter "Format" is not valid.',
          ],
          [
            'PUT method',
            { Action: 'ListKeys' },
            'PUT',
            403,
            'UnsupportedHTTPMethod',
            'This http method is not supported.',
          ],
        ];
      for (const accept of ['application/json', 'application/xml']) {
        it.each(cases)(
          `%s (Accept ${accept})`,
          async (_name, params, method, status, code, message) => {
            const before = stack.emulator.requests.length;
            const response = await kms.call(params, { method: method ?? 'POST', accept });
            expect(response.status).toBe(status);
            expect(response.headers.get('content-type')).toBe(`${accept}; charset=utf-8`);
            const envelope = await envelopeOf(response);
            expect(envelope).toMatchObject({ HttpStatus: status, Code: code, Message: message });
            expect(envelope.RequestId).toBeTruthy();
            expect(envelope.HostId).not.toBe(HOST_ID);
            expect(stack.emulator.requests.length).toBe(before);
          },
        );
      }

      it('an Accept that excludes everything is 406 Unsupported.Format, as JSON', async () => {
        const response = await kms.call({ Action: 'ListKeys' }, { accept: 'image/png' });
        expect(response.status).toBe(406);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(await envelopeOf(response)).toMatchObject({ Code: 'Unsupported.Format' });
      });
    });
  });
}
