/**
 * `npx serverless package` works offline, for both API variants (KMS_API=http, the default, and
 * rest), and ships the bundled handler and its source map only: no emulator, no tests, no local
 * tooling, and no AWS SDK (the runtime has it). Whoever reaches the API reaches the function
 * only as the caller authentication allows.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { answer, httpApiEvent, startLocalServer } from '../support/in-process.js';
import {
  type CfnResource,
  ofType,
  type Packaged,
  pack,
  packageRoot,
  type Template,
} from './packaged.js';

const root = packageRoot();
const templateOf = async (env: Record<string, string>) => (await pack(root, env)).template;
/** The default variant, packaged once for every test that reads it. */
let defaults: Promise<Packaged> | undefined;
const packagedDefault = () => {
  defaults ??= pack(root);
  return defaults;
};

/**
 * The log lines of the packaged handler asked to handle an event no API Gateway sends (a bug's
 * path: an `unexpected error` line with stack frames), run as Lambda runs it with `NODE_OPTIONS`.
 */
function unzipped(packaged: Packaged, name: string): string {
  const dir = join(packaged.dir, `unzipped-${name}`);
  for (const [entry, bytes] of packaged.entries()) {
    mkdirSync(join(dir, entry, '..'), { recursive: true });
    writeFileSync(join(dir, entry), bytes);
  }
  return dir;
}

/** The packaged handler, unzipped, run once with `event` in a fresh Node process as Lambda runs it. */
async function runPackaged(
  dir: string,
  event: unknown,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  const script = `const { handler } = await import(${JSON.stringify(`file://${dir}/src/handler.mjs`)});
const result = await handler(${JSON.stringify(event)}, { awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 });
process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');`;
  // Not spawnSync: the test's own upstream server answers meanwhile.
  return promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      KMS_REGION: 'cn-hangzhou',
      KMS_CALLER_AUTH: 'none',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI5tPackageTest001',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'package-test-secret',
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...env,
    },
    encoding: 'utf8',
  });
}

async function framesOfABug(packaged: Packaged, nodeOptions: string): Promise<string[]> {
  const dir = unzipped(packaged, nodeOptions ? 'maps' : 'plain');
  // ERROR lines go to stderr, as in Lambda.
  const { stderr } = await runPackaged(dir, {}, { NODE_OPTIONS: nodeOptions });
  const line = stderr
    .split('\n')
    .filter((text) => text.startsWith('{'))
    .map((text) => JSON.parse(text) as { message?: string; frames?: string[] })
    .find((parsed) => parsed.message === 'unexpected error');
  return line?.frames ?? [];
}

describe('the artifact', () => {
  let packaged: Packaged;

  it('holds the bundled handler, the general XML reader apart, and their source maps only', async () => {
    packaged = await packagedDefault();
    const entries = packaged.entries();
    const names = [...entries.keys()].sort();
    // The handler, the general XML reader (loaded on first need), and what the two share.
    const code = names.filter((name) => name.endsWith('.mjs'));
    expect(code).toContain('src/handler.mjs');
    expect(code.filter((name) => /^src\/xml-general-\w+\.mjs$/.test(name))).toHaveLength(1);
    expect(code.every((name) => /^src\/(handler|xml-general-\w+|chunk-\w+)\.mjs$/.test(name))).toBe(
      true,
    );
    expect(names).toEqual([...code, ...code.map((name) => `${name}.map`)].sort());
    const handler = (entries.get('src/handler.mjs') as Buffer).toString('utf8');
    // Booleans, not toContain: a failure must not print a 170 kB bundle.
    expect(handler.includes('kms error normalized')).toBe(true);
    // fast-xml-parser is not loaded at cold start: its code is in the reader's chunk only.
    const reader = code.find((name) => name.includes('xml-general')) as string;
    expect(handler.includes('XMLValidator')).toBe(false);
    expect((entries.get(reader) as Buffer).toString('utf8').includes('InvalidTag')).toBe(true);
    expect(handler.includes('InvalidTag')).toBe(false);
    // The AWS SDK stays a runtime import, not bundled code.
    expect(handler.includes('import("@aws-sdk/client-secrets-manager")')).toBe(true);
    for (const absent of [
      '__emulator',
      'startEmulator',
      'serverless-offline',
      'vitest',
      'smithy',
    ]) {
      expect(handler.includes(absent), absent).toBe(false);
    }
    const fn = packaged.template.Resources.KmsLambdaFunction?.Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'src/handler.handler',
    });
    // The map is linked from the bundle, names the TypeScript sources, and leaves their text
    // out (stack traces need the mappings only).
    expect(handler.trimEnd().endsWith('//# sourceMappingURL=handler.mjs.map')).toBe(true);
    const map = JSON.parse((entries.get('src/handler.mjs.map') as Buffer).toString('utf8'));
    expect(map.sources.some((source: string) => source.endsWith('src/handler.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
    expect(fn?.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
  }, 60_000);

  it("with the runtime's NODE_OPTIONS, a bug's stack frames point into src/*.ts", async () => {
    const options = packaged.template.Resources.KmsLambdaFunction?.Properties.Environment.Variables
      .NODE_OPTIONS as string;
    const mapped = await framesOfABug(packaged, options);
    expect(mapped.some((frame) => /\/src\/http\/request\.ts:\d+:\d+\)$/.test(frame))).toBe(true);
    // Without it, the same frames point into the minified bundle.
    const plain = await framesOfABug(packaged, '');
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((frame) => !frame.includes('.ts:'))).toBe(true);
    expect(plain.some((frame) => /\/src\/handler\.mjs:\d+:\d+\)$/.test(frame))).toBe(true);
  });

  it('loads the general XML reader from its own chunk when an answer needs it', async () => {
    const dir = unzipped(packaged, 'reader');
    const upstream = await startLocalServer(
      // A KMS answer with a comment: outside the fast path's dialect, read by fast-xml-parser.
      answer(
        200,
        '<?xml version="1.0"?><DescribeRegionsResponse><!-- a comment --><RequestId>r-1</RequestId><Regions><Region><RegionId>cn-hangzhou</RegionId></Region></Regions></DescribeRegionsResponse>',
        { 'content-type': 'text/xml' },
      ),
    );
    try {
      const event = httpApiEvent({ query: 'Action=DescribeRegions' });
      const { stdout, stderr } = await runPackaged(dir, event, { KMS_ENDPOINT: upstream.url });
      const result = JSON.parse(stdout.split('RESULT ')[1] ?? 'null');
      expect(result?.statusCode, stderr).toBe(200);
      expect(JSON.parse(result.body)).toEqual({
        RequestId: 'r-1',
        Regions: { Region: [{ RegionId: 'cn-hangzhou' }] },
      });
    } finally {
      await upstream.close();
    }
  });
});

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
    const { template } = await packagedDefault();
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

describe('the REST API (KMS_API=rest) keeps the same guarantees', () => {
  /** Every method of the REST API: its path, HTTP method, authorization and integration. */
  function methods(template: Template) {
    const parts = new Map(
      ofType(template, 'AWS::ApiGateway::Resource').map(([id, r]) => [id, r.Properties.PathPart]),
    );
    return ofType(template, 'AWS::ApiGateway::Method').map(([, method]) => ({
      path: method.Properties.ResourceId.Ref
        ? `/${parts.get(method.Properties.ResourceId.Ref)}`
        : method.Properties.ResourceId['Fn::GetAtt']?.[1] === 'RootResourceId'
          ? '/'
          : 'unknown',
      method: method.Properties.HttpMethod,
      authorization: method.Properties.AuthorizationType,
      integration: method.Properties.Integration.Type,
    }));
  }
  const stageOf = (template: Template) => {
    const stages = ofType(template, 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    return (stages[0] as [string, { Properties: Record<string, unknown> }])[1].Properties;
  };

  it('signature: ANY / and ANY /{proxy+} reach the function, with the environment of the HTTP API; throttled', async () => {
    const template = await templateOf({ KMS_API: 'rest' });
    expect(methods(template)).toEqual([
      { path: '/', method: 'ANY', authorization: 'NONE', integration: 'AWS_PROXY' },
      { path: '/{proxy+}', method: 'ANY', authorization: 'NONE', integration: 'AWS_PROXY' },
    ]);
    expect(
      Object.values(template.Resources).some((r) => r.Type.startsWith('AWS::ApiGatewayV2')),
    ).toBe(false);
    const env = template.Resources.KmsLambdaFunction?.Properties.Environment.Variables;
    expect(env).toEqual(
      (await packagedDefault()).template.Resources.KmsLambdaFunction?.Properties.Environment
        .Variables,
    );
    expect(env.KMS_CALLER_AUTH).toBe('signature');
    // The stage is a resource of the template (not made by the deployment), throttled as a whole.
    const [deployment] = ofType(template, 'AWS::ApiGateway::Deployment');
    expect(ofType(template, 'AWS::ApiGateway::Deployment')).toHaveLength(1);
    const [deploymentId, { Properties: deploymentProperties }] = deployment as [
      string,
      CfnResource,
    ];
    expect(deploymentProperties.StageName).toBeUndefined();
    const stage = stageOf(template);
    expect(stage).toMatchObject({
      StageName: 'dev',
      DeploymentId: { Ref: deploymentId },
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        },
      ],
    });
    // Bodies reach the function as the bytes the caller sent; no CloudFront in front.
    expect(template.Resources.ApiGatewayRestApi?.Properties).toMatchObject({
      BinaryMediaTypes: ['*/*'],
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  }, 120_000);

  it('iam: AWS_IAM on every method; throttling as set', async () => {
    const template = await templateOf({
      KMS_API: 'rest',
      KMS_CALLER_AUTH: 'iam',
      KMS_THROTTLE_RATE: '10',
      KMS_THROTTLE_BURST: '20',
    });
    const all = methods(template);
    expect(all.map((m) => m.path)).toEqual(['/', '/{proxy+}']);
    expect(all.every((m) => m.authorization === 'AWS_IAM' && m.method === 'ANY')).toBe(true);
    expect(
      template.Resources.KmsLambdaFunction?.Properties.Environment.Variables.KMS_CALLER_AUTH,
    ).toBe('iam');
    expect(stageOf(template).MethodSettings).toEqual([
      { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    ]);
  }, 120_000);

  it('a KMS_API that is neither is refused with its name, nothing packaged', async () => {
    await expect(pack(root, { KMS_API: 'websocket' })).rejects.toThrow(
      /KMS_API must be http or rest/,
    );
  }, 120_000);
});
