/**
 * The emulator's config file: a full file loads to exactly the options it says and a started
 * emulator behaves by them; every kind of bad field is an Error naming the file and the field.
 * Also `npm start`'s KMS_EMULATOR_CONFIG, as far as it can be seen without serverless-offline.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type EmulatorOptions,
  loadEmulatorConfig,
  parseEmulatorConfig,
  startEmulator,
} from '../../src/emulator/index.js';
import { PROJECT_ROOT } from '../../src/local/offline.js';
import { callV1, json, MAIN, OTHER, XML_TYPE } from './helpers.js';

const folder = mkdtempSync(join(tmpdir(), 'kms-emulator-config-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
function configFile(content: unknown): string {
  const path = join(folder, `config-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const FULL = {
  port: 0,
  accessKeys: [
    {
      id: MAIN.accessKeyId,
      secret: MAIN.accessKeySecret,
      enabled: true,
      allowedActions: ['ListKeys', 'CreateKey'],
      requestsPerSecond: 10,
    },
    { id: OTHER.accessKeyId, secret: OTHER.accessKeySecret, securityToken: 'tok' },
    { id: 'LTAI-off', secret: 'off', enabled: false },
  ],
  region: 'eu-central-1',
  hostId: 'kms.example.test',
  accountId: '5555',
  xmlRoot: 'KMS',
  quotas: { keys: 1, secrets: 3 },
  throttle: { requestsPerSecond: 100, burst: 200 },
  faults: [
    { fault: { kind: 'status', status: 503 }, accessKeyId: MAIN.accessKeyId, times: 1 },
    { fault: { kind: 'html' } },
  ],
  statePath: 'state/kms.json',
};

describe('loadEmulatorConfig', () => {
  it('loads a full file into exactly the options it says', () => {
    const options = loadEmulatorConfig(configFile(FULL));
    expect(options).toEqual({
      port: 0,
      accessKeys: FULL.accessKeys,
      region: 'eu-central-1',
      hostId: 'kms.example.test',
      accountId: '5555',
      xmlRoot: 'KMS',
      quotas: { keys: 1, secrets: 3 },
      throttle: { requestsPerSecond: 100, burst: 200 },
      faults: [
        { fault: { kind: 'status', status: 503 }, accessKeyId: MAIN.accessKeyId, times: 1 },
        { fault: { kind: 'html' } },
      ],
      // Relative to the config file's folder.
      statePath: join(folder, 'state/kms.json'),
    } satisfies EmulatorOptions);
  });

  it('loads an empty object as no keys and defaults', () => {
    expect(loadEmulatorConfig(configFile({}))).toEqual({ accessKeys: [] });
  });

  it('gives a started emulator what the file says', async () => {
    const options = loadEmulatorConfig(configFile(FULL));
    const emulator = await startEmulator({ ...options, statePath: undefined });
    try {
      // The first fault: MAIN's next request, once.
      const faulted = await callV1(emulator, { Action: 'ListKeys' });
      expect(faulted.status).toBe(503);
      // Then the unscoped html fault applies to everyone, until cleared.
      const html = await callV1(emulator, { Action: 'ListKeys' });
      expect(html.headers['content-type']).toBe('text/html');
      emulator.clearFaults();

      const created = await callV1(emulator, { Action: 'CreateKey', Format: 'XML' });
      expect(created.status).toBe(200);
      expect(created.headers['content-type']).toBe(XML_TYPE);
      // xmlRoot KMS, region and account id in the ARN.
      expect(created.body).toMatch(/^<\?xml[^>]*\?><KMS><KeyMetadata><KeyId>/);
      expect(created.body).toContain('<Arn>acs:kms:eu-central-1:5555:key/');
      // quotas.keys = 1
      const second = await callV1(emulator, { Action: 'CreateKey' });
      expect(json(second)).toMatchObject({
        Code: 'Rejected.LimitExceeded',
        HostId: 'kms.example.test',
      });
      // allowedActions
      const denied = await callV1(emulator, { Action: 'DescribeKey', KeyId: 'x' });
      expect(json(denied).Code).toBe('Forbidden.NoPermission');
      // the STS key needs its token
      const sts = await callV1(emulator, { Action: 'ListKeys' }, { credentials: OTHER });
      expect(json(sts).Code).toBe('InvalidSecurityToken.MismatchWithAccessKey');
      const withToken = await callV1(
        emulator,
        { Action: 'ListKeys' },
        { credentials: { ...OTHER, securityToken: 'tok' } },
      );
      expect(withToken.status).toBe(200);
    } finally {
      await emulator.close();
    }
  });

  const key = { id: 'k', secret: 's' };
  const INVALID: [string, unknown, RegExp][] = [
    ['a top-level array', [], /the file must be an object/],
    ['an unknown top-level field', { prot: 1 }, /prot is not a known field/],
    ['a port of the wrong type', { port: '8080' }, /port must be an integer from 0 to 65535/],
    ['a port out of range', { port: 70000 }, /port must be an integer/],
    ['accessKeys not an array', { accessKeys: {} }, /accessKeys must be an array/],
    ['an access key not an object', { accessKeys: ['k'] }, /accessKeys\[0\] must be an object/],
    [
      'an unknown access key field',
      { accessKeys: [key, { ...key, id: 'j', secert: 'x' }] },
      /accessKeys\[1\]\.secert is not a known field/,
    ],
    ['a missing id', { accessKeys: [{ secret: 's' }] }, /accessKeys\[0\]\.id must be a non-empty/],
    ['an empty secret', { accessKeys: [{ id: 'k', secret: '' }] }, /accessKeys\[0\]\.secret/],
    [
      'enabled as a string',
      { accessKeys: [{ ...key, enabled: 'false' }] },
      /accessKeys\[0\]\.enabled must be true or false/,
    ],
    [
      'a securityToken number',
      { accessKeys: [{ ...key, securityToken: 1 }] },
      /accessKeys\[0\]\.securityToken must be a non-empty string/,
    ],
    [
      'allowedActions a string',
      { accessKeys: [{ ...key, allowedActions: 'Encrypt' }] },
      /accessKeys\[0\]\.allowedActions must be an array/,
    ],
    [
      'a misspelt action',
      { accessKeys: [{ ...key, allowedActions: ['Encrypt', 'Encrpyt'] }] },
      /accessKeys\[0\]\.allowedActions\[1\] is not a KMS action: Encrpyt/,
    ],
    [
      'requestsPerSecond zero',
      { accessKeys: [{ ...key, requestsPerSecond: 0 }] },
      /accessKeys\[0\]\.requestsPerSecond must be a number above 0/,
    ],
    ['a repeated id', { accessKeys: [key, key] }, /accessKeys\[1\]\.id repeats k/],
    ['a region with a colon', { region: 'cn:x' }, /region must be a region id/],
    ['hostId empty', { hostId: '' }, /hostId must be a non-empty string/],
    ['accountId a number', { accountId: 5555 }, /accountId must be a non-empty string/],
    ['accountId not digits', { accountId: '55a' }, /accountId must be digits/],
    ['an unknown xmlRoot', { xmlRoot: 'Response' }, /xmlRoot must be "action" or "KMS"/],
    ['quotas unknown field', { quotas: { key: 1 } }, /quotas\.key is not a known field/],
    ['a negative quota', { quotas: { secrets: -1 } }, /quotas\.secrets must be an integer/],
    ['throttle not an object', { throttle: 5 }, /throttle must be an object/],
    [
      'throttle without a rate',
      { throttle: { burst: 5 } },
      /throttle\.requestsPerSecond must be a number above 0/,
    ],
    [
      'a burst below one',
      { throttle: { requestsPerSecond: 1, burst: 0 } },
      /throttle\.burst must be a number of at least 1/,
    ],
    ['faults not an array', { faults: { kind: 'drop' } }, /faults must be an array/],
    [
      'an unknown faults entry field',
      { faults: [{ fault: { kind: 'drop' }, time: 1 }] },
      /faults\[0\]\.time is not a known field/,
    ],
    [
      'an unknown fault kind',
      { faults: [{ fault: { kind: 'explode' } }] },
      /faults\[0\]\.fault is not valid: unknown fault kind "explode"/,
    ],
    [
      'a bad fault field',
      { faults: [{ fault: { kind: 'latency', ms: -1 } }] },
      /faults\[0\]\.fault is not valid: latency\.ms/,
    ],
    [
      'an unknown fault field',
      { faults: [{ fault: { kind: 'drop' } }, { fault: { kind: 'latency', ms: 1, status: 500 } }] },
      /faults\[1\]\.fault\.status is not a known field/,
    ],
    [
      'times zero',
      { faults: [{ fault: { kind: 'drop' }, times: 0 }] },
      /faults\[0\]\.times is not valid: times must be a positive integer/,
    ],
    [
      'a numeric accessKeyId',
      { faults: [{ fault: { kind: 'drop' }, accessKeyId: 1 }] },
      /faults\[0\]\.accessKeyId is not valid/,
    ],
    ['statePath not a string', { statePath: true }, /statePath must be a non-empty string/],
  ];

  it.each(INVALID)('refuses %s, naming the file and the field', (_, content, message) => {
    const path = configFile(content);
    expect(() => loadEmulatorConfig(path)).toThrow(message);
    expect(() => loadEmulatorConfig(path)).toThrow(`config file ${path}: `);
  });

  it('refuses a file that is not JSON, or not there', () => {
    const broken = configFile('{"port": 1,');
    expect(() => loadEmulatorConfig(broken)).toThrow(`config file ${broken} is not valid JSON`);
    const missing = join(folder, 'missing.json');
    expect(() => loadEmulatorConfig(missing)).toThrow(`config file ${missing} cannot be read`);
  });

  it('parses an object directly, taking statePath from the given folder', () => {
    expect(parseEmulatorConfig({ statePath: 'x.json' }, '/srv/kms')).toEqual({
      accessKeys: [],
      statePath: '/srv/kms/x.json',
    });
    expect(() => parseEmulatorConfig({ quotas: { keys: 1.5 } })).toThrow('quotas.keys');
  });
});

/** `npm start`'s script up to its first output; these cases stop before serverless-offline. */
function runStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/local/start.ts'],
      {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm start with KMS_EMULATOR_CONFIG', () => {
  it('stops with the field named when the file is wrong', async () => {
    const path = configFile({ accessKeys: [{ id: 'k', secret: 's', enabeld: false }] });
    const { code, output } = await runStart({ KMS_EMULATOR_CONFIG: path, PORT: '1' });
    expect(code).toBe(2);
    expect(output).toContain(
      `KMS_EMULATOR_CONFIG: config file ${path}: accessKeys[0].enabeld is not a known field`,
    );
  });

  it('keeps the demo AccessKey: a file may not redefine it', async () => {
    const path = configFile({
      accessKeys: [{ id: 'LTAI5tDemoKmsNormalizer', secret: 'other', enabled: false }],
    });
    const { code, output } = await runStart({ KMS_EMULATOR_CONFIG: path, PORT: '1' });
    expect(code).toBe(2);
    expect(output).toContain('must not define the demo AccessKey LTAI5tDemoKmsNormalizer');
  });
});
