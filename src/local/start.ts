/**
 * `npm start`: the whole product on one machine, no cloud account. Starts the KMS emulator with
 * a demo AccessKey and the key `alias/demo`, then the function behind serverless-offline at
 * http://127.0.0.1:$PORT/ (3000), prints copy-paste curl lines, and stops both on Ctrl-C.
 *
 * KMS_EMULATOR_CONFIG names an emulator config file (src/emulator/config.ts) whose AccessKeys
 * are added to the demo one; KMS_EMULATOR_STATE names a state file, so keys outlive a restart.
 */
import { randomUUID } from 'node:crypto';
import {
  type Emulator,
  type EmulatorOptions,
  loadEmulatorConfig,
  startEmulator,
} from '../emulator/index.js';
import { canonicalQuery } from '../protocol/percent-encode.js';
import { API_VERSION } from '../protocol/rpc.js';
import { signV1 } from '../protocol/sign-v1.js';
import { alibabaTimestamp } from '../protocol/timestamp.js';
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

/** The config file's options, or none; a bad file stops here, naming the field. */
function configFrom(name: string): EmulatorOptions {
  const path = process.env[name];
  if (!path) return { accessKeys: [] };
  let options: EmulatorOptions;
  try {
    options = loadEmulatorConfig(path);
  } catch (error) {
    console.error(`${name}: ${(error as Error).message}`);
    process.exit(2);
  }
  // The demo AccessKey is what the function signs with: the file may add keys, not replace it.
  if (options.accessKeys.some((key) => key.id === DEMO_ACCESS_KEY.id)) {
    console.error(`${name}: ${path} must not define the demo AccessKey ${DEMO_ACCESS_KEY.id}`);
    process.exit(2);
  }
  return options;
}

const port = portFrom('PORT', 3000);
const config = configFrom('KMS_EMULATOR_CONFIG');
const emulatorPort =
  process.env.KMS_EMULATOR_PORT === undefined && config.port !== undefined
    ? config.port
    : portFrom('KMS_EMULATOR_PORT', port + 1);
const lambdaPort = portFrom('KMS_OFFLINE_LAMBDA_PORT', port + 2);
const mode = process.env.KMS_MODE === 'passthrough' ? 'passthrough' : 'sign';
const statePath = process.env.KMS_EMULATOR_STATE || config.statePath;

const DEMO_ALIAS = 'alias/demo';

/** The key `alias/demo` names, made (and saved) only when the state has no such alias. */
async function demoKeyOf(emulator: Emulator): Promise<string> {
  if (emulator.state.aliases.some((alias) => alias.AliasName === DEMO_ALIAS)) {
    return emulator.state.resolveKey(DEMO_ALIAS).KeyId;
  }
  const key = emulator.state.createKey({ description: 'demo key of npm start' });
  emulator.state.createAlias(DEMO_ALIAS, key.KeyId);
  // On disk before anything is encrypted with it.
  await emulator.save();
  return key.KeyId;
}

let emulator: Emulator;
let demoKeyId: string;
try {
  emulator = await startEmulator({
    ...config,
    port: emulatorPort,
    accessKeys: [DEMO_ACCESS_KEY, ...config.accessKeys],
    ...(statePath ? { statePath } : {}),
  });
} catch (error) {
  console.error(`the KMS emulator did not start: ${(error as Error).message}`);
  process.exit(1);
}
try {
  demoKeyId = await demoKeyOf(emulator);
} catch (error) {
  console.error(`${DEMO_ALIAS}: ${(error as Error).message}`);
  await emulator.close().catch(() => {});
  process.exit(1);
}

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
  await emulator.close().catch((closeError: Error) => console.error(closeError.message));
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
    `  emulator  ${emulator.url}/  (KMS ${API_VERSION}; key alias/demo = ${demoKeyId})`,
    `  AccessKey ${DEMO_ACCESS_KEY.id} / ${DEMO_ACCESS_KEY.secret}`,
    ...(statePath ? [`  state     ${statePath}  (kept across restarts)`] : []),
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
  try {
    await emulator.close();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
gateway.child.once('exit', () => {
  if (!stopping) {
    console.error('serverless-offline exited');
    void emulator
      .close()
      .catch((error: Error) => console.error(error.message))
      .then(() => process.exit(1));
  }
});
