import { describe, expect, it } from 'vitest';
import { percentEncode } from '../../src/protocol/percent-encode.js';
import { signatureV1, stringToSignV1 } from '../../src/protocol/sign-v1.js';
import { canonicalRequestV3, sha256Hex, signV3 } from '../../src/protocol/sign-v3.js';

// Vectors from ../shared/notes/alibaba-sdk.md §1.1 and §1.2.
const officialV1 = {
  AccessKeyId: 'testid',
  Action: 'DescribeRegions',
  Format: 'XML',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
  SignatureVersion: '1.0',
  Timestamp: '2016-02-23T12:46:24Z',
  Version: '2014-05-26',
};

describe('percent-encoding', () => {
  it('leaves only RFC 3986 unreserved characters, like the SDK encoder', () => {
    expect(percentEncode("a b+c*d~e/f:g!h'i(j)k")).toBe('a%20b%2Bc%2Ad~e%2Ff%3Ag%21h%27i%28j%29k');
    expect(percentEncode('中')).toBe('%E4%B8%AD');
  });
});

describe('signature V1 (HMAC-SHA1)', () => {
  it('matches the official GET vector, string to sign included', () => {
    expect(stringToSignV1('GET', officialV1)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    expect(signatureV1('GET', officialV1, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  it('matches the POST vector', () => {
    expect(signatureV1('POST', officialV1, 'testsecret')).toBe('MxbnVAM4w6sft9xjVpe/GCKueuk=');
  });

  it('matches the KMS-shaped STS vector, and ignores a Signature already present', () => {
    const params = {
      Action: 'Encrypt',
      Format: 'json',
      Version: '2016-01-20',
      Timestamp: '2024-01-01T00:00:00Z',
      SignatureNonce: '0123456789abcdef0123456789abcdef',
      SecurityToken: 'testtoken',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: 'STS.testid',
      KeyId: 'key-hzz62f1cb66fa42qo****',
      Plaintext: 'SGVsbG8gV29ybGQ=',
      EncryptionContext: '{"a":"b c"}',
    };
    expect(signatureV1('POST', params, 'testsecret')).toBe('Z83td5PbAzdj4bSTmXnh9oYT9I4=');
    expect(signatureV1('POST', { ...params, Signature: 'whatever' }, 'testsecret')).toBe(
      'Z83td5PbAzdj4bSTmXnh9oYT9I4=',
    );
  });
});

describe('signature V3 (ACS3-HMAC-SHA256)', () => {
  it('matches the official RunInstances vector', () => {
    const headers = signV3(
      {
        ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd',
        RegionId: 'cn-shanghai',
      },
      { accessKeyId: 'YourAccessKeyId', accessKeySecret: 'YourAccessKeySecret' },
      {
        method: 'POST',
        host: 'ecs.cn-shanghai.aliyuncs.com',
        action: 'RunInstances',
        version: '2014-05-26',
        date: '2023-10-26T10:22:32Z',
        nonce: '3156853299f313e23d1673dc12e1703d',
      },
    );
    expect(headers.authorization).toBe(
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    const canonical = canonicalRequestV3(
      {
        method: 'POST',
        query: {
          ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd',
          RegionId: 'cn-shanghai',
        },
        headers,
      },
      [
        'host',
        'x-acs-action',
        'x-acs-content-sha256',
        'x-acs-date',
        'x-acs-signature-nonce',
        'x-acs-version',
      ],
    );
    expect(sha256Hex(canonical)).toBe(
      '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
  });

  it('matches the KMS-shaped STS vector', () => {
    const query = {
      KeyId: 'key-hzz62f1cb66fa42qo****',
      Plaintext: 'SGVsbG8gV29ybGQ=',
      EncryptionContext: '{"a":"b c"}',
    };
    const headers = signV3(
      query,
      { accessKeyId: 'STS.testid', accessKeySecret: 'testsecret', securityToken: 'testtoken' },
      {
        method: 'POST',
        host: 'kms.cn-hangzhou.aliyuncs.com',
        action: 'Encrypt',
        version: '2016-01-20',
        date: '2024-01-01T00:00:00Z',
        nonce: '0123456789abcdef0123456789abcdef',
      },
    );
    const signed =
      'host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version';
    expect(headers.authorization).toBe(
      `ACS3-HMAC-SHA256 Credential=STS.testid,SignedHeaders=${signed},Signature=f04644e2ad01b7f1781b882d08a1cddfc11f06533d8b89f76c523f6a626bcf13`,
    );
    const canonical = canonicalRequestV3({ method: 'POST', query, headers }, signed.split(';'));
    expect(canonical.split('\n')[2]).toBe(
      'EncryptionContext=%7B%22a%22%3A%22b%20c%22%7D&KeyId=key-hzz62f1cb66fa42qo%2A%2A%2A%2A&Plaintext=SGVsbG8gV29ybGQ%3D',
    );
    expect(sha256Hex(canonical)).toBe(
      'ff9974ae01d38e8ec091b710620d81281eb7889d437a4b72845fb6d31bd91843',
    );
  });
});
