import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeObject } from '../../src/codec/typed.js';
import { readXml } from '../../src/codec/xml-read.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { ACTIONS, REGION_ENDPOINTS } from '../../src/kms/actions.generated.js';
import { ACCESS_KEYS, callV1, expectKmsError, JSON_TYPE, XML_TYPE } from './helpers.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ accessKeys: ACCESS_KEYS });
});
afterAll(() => emulator.close());

const call = (params: Record<string, string>) => callV1(emulator, params);

async function succeed(params: Record<string, string>): Promise<Record<string, unknown>> {
  const result = await call(params);
  if (result.status !== 200) throw new Error(`${params.Action}: ${result.status} ${result.body}`);
  expect(result.headers['content-type']).toBe(JSON_TYPE);
  return JSON.parse(result.body) as Record<string, unknown>;
}

const invalid = (name: string) => `The specified parameter "${name}" is not valid.`;

const LOWER = /[a-z]/;
const UPPER = /[A-Z]/;
const DIGIT = /[0-9]/;
/** Alibaba's documented special characters. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_{|}~';
const isPunctuation = (c: string) => PUNCTUATION.includes(c);

const password = async (params: Record<string, string> = {}): Promise<string> => {
  const body = await succeed({ Action: 'GetRandomPassword', ...params });
  expect(Object.keys(body)).toEqual(['RandomPassword', 'RequestId']);
  expect(typeof body.RandomPassword).toBe('string');
  return body.RandomPassword as string;
};

/** `n` passwords, asked for in parallel. */
const passwords = (n: number, params: Record<string, string> = {}) =>
  Promise.all(Array.from({ length: n }, () => password(params)));

describe('GetRandomPassword', () => {
  it('answers RandomPassword in JSON and in XML, as the metadata schema has it', async () => {
    expect(Object.keys(ACTIONS.GetRandomPassword?.response ?? {}).sort()).toEqual([
      'RandomPassword',
      'RequestId',
    ]);
    const pw = await password();
    expect(pw).toHaveLength(32);
    const xml = await call({ Action: 'GetRandomPassword', Format: 'XML' });
    expect(xml.status).toBe(200);
    expect(xml.headers['content-type']).toBe(XML_TYPE);
    const document = readXml(xml.body);
    expect(document.root).toBe('GetRandomPasswordResponse');
    const typed = typeObject(document.content, ACTIONS.GetRandomPassword?.response ?? {});
    expect(Object.keys(typed).sort()).toEqual(['RandomPassword', 'RequestId']);
    // Punctuation such as < > & survives the XML escaping.
    expect(typed.RandomPassword).toHaveLength(32);
  });

  it('makes a different password every time, drawn with every type by default', async () => {
    const all = await passwords(30);
    expect(new Set(all).size).toBe(30);
    for (const pw of all) {
      expect(pw).toHaveLength(32);
      expect(pw).toMatch(LOWER);
      expect(pw).toMatch(UPPER);
      expect(pw).toMatch(DIGIT);
      expect([...pw].some(isPunctuation)).toBe(true);
      expect([...pw].every((c) => /[A-Za-z0-9]/.test(c) || isPunctuation(c))).toBe(true);
    }
  });

  it('honours PasswordLength from 8 to 128 and refuses anything else', async () => {
    expect(await password({ PasswordLength: '8' })).toHaveLength(8);
    expect(await password({ PasswordLength: '128' })).toHaveLength(128);
    expect(await password({ PasswordLength: '57' })).toHaveLength(57);
    for (const length of ['7', '129', '0', '-8', 'abc', '12.5']) {
      expectKmsError(
        await call({ Action: 'GetRandomPassword', PasswordLength: length }),
        400,
        'InvalidParameter',
        invalid('PasswordLength'),
      );
    }
  });

  it('leaves out each excluded character type', async () => {
    const cases: [string, (c: string) => boolean][] = [
      ['ExcludeLowercase', (c) => LOWER.test(c)],
      ['ExcludeUppercase', (c) => UPPER.test(c)],
      ['ExcludeNumbers', (c) => DIGIT.test(c)],
      ['ExcludePunctuation', isPunctuation],
    ];
    for (const [parameter, isExcluded] of cases) {
      const made = await passwords(10, { [parameter]: 'true', PasswordLength: '128' });
      for (const pw of made) expect([...pw].filter(isExcluded), parameter).toEqual([]);
      // The flag is what removed them: without it they appear.
      const control = (await passwords(5, { [parameter]: 'false', PasswordLength: '128' })).join(
        '',
      );
      expect([...control].some(isExcluded), parameter).toBe(true);
    }
    const onlyDigits = await password({
      ExcludeLowercase: 'true',
      ExcludeUppercase: 'true',
      ExcludePunctuation: 'TRUE',
    });
    expect(onlyDigits).toMatch(/^[0-9]{32}$/);
  });

  it('leaves out ExcludeCharacters', async () => {
    const excluded = 'abcXYZ019!"<>&\\';
    for (const pw of await passwords(10, { ExcludeCharacters: excluded, PasswordLength: '128' })) {
      expect([...pw].filter((c) => excluded.includes(c))).toEqual([]);
    }
    // A single type reduced to one character.
    const ones = await password({
      ExcludeLowercase: 'true',
      ExcludeUppercase: 'true',
      ExcludePunctuation: 'true',
      ExcludeCharacters: '023456789',
    });
    expect(ones).toBe('1'.repeat(32));
  });

  it('draws punctuation only from the documented special characters', async () => {
    const only = (
      await passwords(10, {
        ExcludeLowercase: 'true',
        ExcludeUppercase: 'true',
        ExcludeNumbers: 'true',
        PasswordLength: '128',
      })
    ).join('');
    expect([...only].every(isPunctuation)).toBe(true);
    expect(new Set(only).size).toBeGreaterThan(25);
    expect(only).not.toContain('`');
  });

  it('includes every included type with RequireEachIncludedType (the default), even in 8 characters', async () => {
    for (const pw of await passwords(60, { PasswordLength: '8' })) {
      expect(pw).toMatch(LOWER);
      expect(pw).toMatch(UPPER);
      expect(pw).toMatch(DIGIT);
      expect([...pw].some(isPunctuation)).toBe(true);
    }
    // Without it, a type may be missing: here digits are all excluded, which it allows.
    const noDigits = await password({
      RequireEachIncludedType: 'false',
      ExcludeCharacters: '0123456789',
    });
    expect(noDigits).not.toMatch(DIGIT);
  });

  it('answers InvalidParameter for impossible combinations and bad flags', async () => {
    const cases: [Record<string, string>, string][] = [
      [
        {
          ExcludeLowercase: 'true',
          ExcludeUppercase: 'true',
          ExcludeNumbers: 'true',
          ExcludePunctuation: 'true',
        },
        'ExcludePunctuation',
      ],
      // A required type with every character excluded.
      [{ ExcludeCharacters: '0123456789' }, 'ExcludeCharacters'],
      [
        {
          ExcludeLowercase: 'true',
          ExcludeUppercase: 'true',
          ExcludePunctuation: 'true',
          RequireEachIncludedType: 'false',
          ExcludeCharacters: '0123456789',
        },
        'ExcludeCharacters',
      ],
      [{ ExcludeNumbers: 'yes' }, 'ExcludeNumbers'],
      [{ ExcludeLowercase: '1' }, 'ExcludeLowercase'],
      [{ ExcludeUppercase: 'no' }, 'ExcludeUppercase'],
      [{ ExcludePunctuation: 'on' }, 'ExcludePunctuation'],
      [{ RequireEachIncludedType: 'always' }, 'RequireEachIncludedType'],
    ];
    for (const [params, parameter] of cases) {
      expectKmsError(
        await call({ Action: 'GetRandomPassword', ...params }),
        400,
        'InvalidParameter',
        invalid(parameter),
      );
    }
  });
});

describe('DescribeRegions', () => {
  const regionIds = Object.keys(REGION_ENDPOINTS);

  it('lists every region with a KMS endpoint as Regions.Region[{RegionId}]', async () => {
    const body = await succeed({ Action: 'DescribeRegions' });
    expect(regionIds.length).toBeGreaterThan(20);
    expect(body).toEqual({
      Regions: { Region: regionIds.map((RegionId) => ({ RegionId })) },
      RequestId: body.RequestId,
    });
    expect(Object.keys(ACTIONS.DescribeRegions?.response ?? {}).sort()).toEqual([
      'Regions',
      'RequestId',
    ]);
    expect(ACTIONS.DescribeRegions?.response.Regions).toEqual({
      Region: [{ RegionId: 'string' }],
    });
  });

  it('writes repeated <Region> elements in XML', async () => {
    const result = await call({ Action: 'DescribeRegions', Format: 'XML' });
    expect(result.status).toBe(200);
    const regions = regionIds.map((id) => `<Region><RegionId>${id}</RegionId></Region>`).join('');
    const id = result.headers['x-acs-request-id'] as string;
    expect(result.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><DescribeRegionsResponse><Regions>${regions}</Regions><RequestId>${id}</RequestId></DescribeRegionsResponse>`,
    );
    const typed = typeObject(readXml(result.body).content, ACTIONS.DescribeRegions?.response ?? {});
    expect(typed.Regions).toEqual({ Region: regionIds.map((RegionId) => ({ RegionId })) });
  });
});
