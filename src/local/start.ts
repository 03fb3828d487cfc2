/**
 * `npm start`: the whole product on one machine, no cloud account. Starts the KMS emulator with
 * a demo AccessKey and the key `alias/demo`, then the function behind serverless-offline at
 * http://127.0.0.1:$PORT/ (3000), prints copy-paste curl lines, and stops both on Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { startEmulator } from '../emulator/index.js';
import { API_VERSION } from '../kms/actions.generated.js';
import { canonicalQuery } from '../upstream/percent-encode.js';
import { alibabaTimestamp, signV1 } from '../upstream/sign-v1.js';
import { startOffline } from './offline.js';

const DEMO_ACCESS_KEY = {
  id: 'LTAI5tDemoKmsNormalizer',
  secret: 'demo-secret-for-the-local-emulator-only',
};

function portFrom(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    console.error(`${name} must be a TCP port number`);
    process.exit(2);
  }
  return value;
}

const port = portFrom('PORT', 3000);
const emulatorPort = portFrom('KMS_EMULATOR_PORT', port + 1);
const lambdaPort = portFrom('KMS_OFFLINE_LAMBDA_PORT', port + 2);
const mode = process.env.KMS_MODE === 'passthrough' ? 'passthrough' : 'sign';

const emulator = await startEmulator({ port: emulatorPort, accessKeys: [DEMO_ACCESS_KEY] });
const demoKey = emulator.state.createKey({ description: 'demo key of npm start' });
emulator.state.createAlias('alias/demo', demoKey.KeyId);

const passOn = (name: string) => (process.env[name] ? { [name]: process.env[name] as string } : {});
let gateway: Awaited<ReturnType<typeof startOffline>>;
try {
  gateway = await startOffline({
    port,
    lambdaPort,
    env: {
      KMS_ENDPOINT: emulator.url,
      KMS_MODE: mode,
      ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_ACCESS_KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_ACCESS_KEY.secret,
      ...passOn('KMS_SIGNATURE_VERSION'),
      ...passOn('KMS_UPSTREAM_FORMAT'),
      ...passOn('KMS_ACCESS_LOG'),
      ...passOn('KMS_CODE_SPELLING'),
      ...passOn('KMS_ALLOWED_ACTIONS'),
      ...passOn('KMS_TIMEOUT_MS'),
      ...passOn('POWERTOOLS_LOG_LEVEL'),
    },
    onOutput: (line) => {
      // The function's log lines are JSON; the rest is serverless-offline chatter.
      if (line.startsWith('{')) console.log(line);
    },
  });
} catch (error) {
  console.error((error as Error).message);
  await emulator.close();
  process.exit(1);
}

/** A curl line for passthrough mode: the caller signs, so the banner signs one for you. */
function presigned(params: Record<string, string>): string {
  const signed = signV1(
    { ...params, Version: API_VERSION, Format: 'XML' },
    { accessKeyId: DEMO_ACCESS_KEY.id, accessKeySecret: DEMO_ACCESS_KEY.secret },
    { method: 'GET', nonce: randomUUID(), timestamp: alibabaTimestamp(new Date()) },
  );
  return `curl -s '${gateway.url}?${canonicalQuery(signed)}'`;
}

const base = gateway.url;
const lines =
  mode === 'sign'
    ? [
        '# JSON (the default)',
        `curl -s '${base}?Action=Encrypt&KeyId=alias/demo&Plaintext=aGVsbG8='`,
        '# XML, asked for by Accept (or add &Format=XML)',
        `curl -s -H 'Accept: application/xml' '${base}?Action=ListKeys'`,
        '# an error, in the documented envelope',
        `curl -s '${base}?Action=DescribeKey&KeyId=alias/missing'`,
      ]
    : [
        '# passthrough: callers sign with the demo AccessKey; this URL is signed once, valid 15 min',
        presigned({ Action: 'ListKeys' }),
        '# an error, in the documented envelope (unsigned)',
        `curl -s '${base}?Action=ListKeys'`,
      ];
console.log(
  [
    '',
    `kms-normalizer is up (KMS_MODE=${mode})`,
    `  gateway   ${base}  (serverless-offline, HTTP API)`,
    `  emulator  ${emulator.url}/  (KMS ${API_VERSION}; key alias/demo = ${demoKey.KeyId})`,
    `  AccessKey ${DEMO_ACCESS_KEY.id} / ${DEMO_ACCESS_KEY.secret}`,
    '',
    ...lines,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  await gateway.stop();
  await emulator.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
gateway.child.once('exit', () => {
  if (!stopping) {
    console.error('serverless-offline exited');
    void emulator.close().then(() => process.exit(1));
  }
});
