/**
 * `npx serverless package` works offline and ships the bundled handler only: no emulator, no
 * tests, no local tooling, and no AWS SDK (the runtime has it).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/offline.js';

const out = mkdtempSync(join(tmpdir(), 'kms-package-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The entries of a zip file, read from its central directory. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = zip.readUInt32LE(at + 42);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + extra;
  }
  return entries;
}

/** `npx serverless package` with these deploy-time variables, into `dir`. */
function pack(dir: string, env: Record<string, string> = {}): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules/serverless/bin/serverless.js'),
        'package',
        '--package',
        dir,
      ],
      {
        cwd: PROJECT_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: out,
          KMS_ESBUILD_DIR: `.esbuild-package-${
            Object.values(env)
              .join('-')
              .replace(/[^\w-]/g, '') || 'default'
          }`,
          ...env,
        },
      },
      (error, _stdout, stderr) => (error ? reject(new Error(stderr)) : resolve()),
    ),
  );
}

type Template = {
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, read by path in assertions
  Resources: Record<string, { Type: string; Properties: Record<string, any>; Condition?: string }>;
  Conditions: Record<string, unknown>;
};

async function templateOf(env: Record<string, string>): Promise<Template> {
  const dir = mkdtempSync(join(out, 'variant-'));
  await pack(dir, env);
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
}

const ofType = (template: Template, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

it('packages the bundled handler only', async () => {
  await pack(out);
  const entries = unzip(readFileSync(join(out, 'kms-normalizer.zip')));
  expect([...entries.keys()]).toEqual(['src/handler.mjs']);
  const handler = (entries.get('src/handler.mjs') as Buffer).toString('utf8');
  // Booleans, not toContain: a failure must not print a 170 kB bundle.
  expect(handler.includes('kms error normalized')).toBe(true);
  // The AWS SDK stays a runtime import, not bundled code.
  expect(handler.includes('import("@aws-sdk/client-secrets-manager")')).toBe(true);
  for (const absent of ['__emulator', 'startEmulator', 'serverless-offline', 'vitest', 'smithy']) {
    expect(handler.includes(absent), absent).toBe(false);
  }
  const template = JSON.parse(
    readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
  const fn = template.Resources.KmsLambdaFunction.Properties;
  expect(fn).toMatchObject({
    Runtime: 'nodejs22.x',
    Architectures: ['arm64'],
    Handler: 'src/handler.handler',
  });
}, 60_000);

describe('the deployed template: only known callers get in', () => {
  /** Every route of the HTTP API, with the function's caller authentication beside it. */
  function routes(template: Template) {
    const env = template.Resources.KmsLambdaFunction?.Properties.Environment.Variables;
    return ofType(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => ({
      key: route.Properties.RouteKey,
      authorization: route.Properties.AuthorizationType ?? 'NONE',
      callerAuth: env.KMS_CALLER_AUTH,
    }));
  }

  it('default (signature): one catch-all route, to a function that verifies callers; throttled', async () => {
    const template = await templateOf({});
    const all = routes(template);
    expect(all).toEqual([{ key: '$default', authorization: 'NONE', callerAuth: 'signature' }]);
    // Every route has an authorizer or leads to a function with caller signatures on.
    expect(all.every((r) => r.authorization !== 'NONE' || r.callerAuth === 'signature')).toBe(true);
    const stage = template.Resources.HttpApiStage?.Properties;
    expect(stage?.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 100,
      ThrottlingBurstLimit: 200,
    });
    // No reservation unless asked (a new account may have only 10 concurrent executions).
    expect(
      template.Resources.KmsLambdaFunction?.Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
    // Permissions exist only for what is configured: none of these is.
    const conditions = template.Conditions as Record<
      string,
      { 'Fn::Not'?: unknown; 'Fn::Equals'?: unknown }
    >;
    for (const [name, resource] of ofType(template, 'AWS::IAM::Policy')) {
      expect(resource.Condition, name).toBeDefined();
      expect(JSON.stringify(conditions[resource.Condition as string]), name).toMatch(
        /\[""?,""?\]|"false","true"/,
      );
    }
    expect(JSON.stringify(template.Resources.IamRoleLambdaExecution)).not.toContain(
      'secretsmanager',
    );
  }, 120_000);

  it('iam: AWS_IAM on every route; throttling and reserved concurrency as set', async () => {
    const template = await templateOf({
      KMS_CALLER_AUTH: 'iam',
      KMS_THROTTLE_RATE: '10',
      KMS_THROTTLE_BURST: '20',
      KMS_RESERVED_CONCURRENCY: '5',
    });
    const all = routes(template);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((r) => r.authorization === 'AWS_IAM' && r.callerAuth === 'iam')).toBe(true);
    // Deploy-time variables arrive as text; CloudFormation reads them as the numbers they are.
    const settings = template.Resources.HttpApiStage?.Properties.DefaultRouteSettings;
    expect(Number(settings.ThrottlingRateLimit)).toBe(10);
    expect(Number(settings.ThrottlingBurstLimit)).toBe(20);
    expect(
      Number(template.Resources.KmsLambdaFunction?.Properties.ReservedConcurrentExecutions),
    ).toBe(5);
  }, 120_000);

  it('none: said explicitly, no authorizer; a caller-keys secret and a nonce table get exactly their permissions', async () => {
    const none = await templateOf({ KMS_CALLER_AUTH: 'none' });
    expect(routes(none)).toEqual([{ key: '$default', authorization: 'NONE', callerAuth: 'none' }]);
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kms-callers-AbCdEf';
    const keyed = await templateOf({
      KMS_CALLER_KEYS_SECRET_ARN: arn,
      KMS_NONCE_TABLE_CREATE: 'true',
    });
    expect(keyed.Conditions).toMatchObject({
      HasCallerKeysSecret: { 'Fn::Not': [{ 'Fn::Equals': [arn, ''] }] },
      CreateNonceTable: { 'Fn::Equals': ['true', 'true'] },
    });
    const secretPolicy =
      keyed.Resources.CallerKeysSecretPolicy?.Properties.PolicyDocument.Statement;
    expect(secretPolicy).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: arn },
    ]);
    const tablePolicy = keyed.Resources.NonceTablePolicy?.Properties.PolicyDocument.Statement;
    expect(tablePolicy).toEqual([
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: { 'Fn::GetAtt': ['NonceTable', 'Arn'] },
      },
    ]);
    expect(keyed.Resources.NonceTable?.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'Nonce', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ExpiresAt', Enabled: true },
    });
    expect(
      keyed.Resources.KmsLambdaFunction?.Properties.Environment.Variables.KMS_NONCE_TABLE,
    ).toEqual({
      Ref: 'NonceTable',
    });
  }, 120_000);
});
