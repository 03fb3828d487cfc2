/**
 * `npm start`: the whole product on one machine, no cloud account. Starts the KMS emulator with
 * a demo AccessKey and the key `alias/demo`, then the function behind serverless-offline at
 * http://127.0.0.1:$PORT/ (3000), as deployed: sign mode, callers signing with a caller key
 * (the demo one, every action allowed). Prints copy-paste commands, stops both on Ctrl-C.
 *
 * KMS_EMULATOR_CONFIG names an emulator config file (src/emulator/config.ts) whose AccessKeys
 * are added to the demo one; KMS_EMULATOR_STATE names a state file, so keys outlive a restart;
 * KMS_CALLER_KEYS_FILE names a callers document to use instead of the demo one;
 * KMS_CALLER_AUTH=none turns caller authentication off for quick experiments. On a terminal the
 * function's errors are printed as readable lines (log-view.ts); piped, or with
 * KMS_LOG_JSON=true, as the raw JSON Lambda writes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Emulator,
  type EmulatorOptions,
  loadEmulatorConfig,
  startEmulator,
} from '../emulator/index.js';
import { API_VERSION } from '../protocol/rpc.js';
import { DEMO_ACCESS_KEY, DEMO_ALIAS, DEMO_CALLER_KEY } from './demo.js';
import { viewFor, viewLine } from './log-view.js';
import { startOffline } from './offline.js';
import { presignedUrl } from './signed-call.js';

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
// As deployed: callers sign in sign mode; in passthrough KMS authenticates them itself.
const callerAuth = process.env.KMS_CALLER_AUTH || (mode === 'sign' ? 'signature' : 'none');
const ownCallers = process.env.KMS_CALLER_KEYS_FILE;

/** The demo callers document, in a private temporary folder removed on exit. */
function demoCallersFile(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kms-normalizer-callers-'));
  const path = join(dir, 'callers.json');
  const document = [
    {
      AccessKeyId: DEMO_CALLER_KEY.id,
      AccessKeySecret: DEMO_CALLER_KEY.secret,
      Actions: ['*'],
      Description: 'npm start demo caller',
    },
  ];
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
const callers = callerAuth === 'signature' && !ownCallers ? demoCallersFile() : undefined;
process.on('exit', () => callers?.remove());

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

const logView = viewFor(process.env, process.stdout.isTTY);
const passOn = (name: string) => (process.env[name] ? { [name]: process.env[name] as string } : {});
let gateway: Awaited<ReturnType<typeof startOffline>>;
try {
  gateway = await startOffline({
    port,
    lambdaPort,
    env: {
      KMS_ENDPOINT: emulator.url,
      KMS_MODE: mode,
      KMS_CALLER_AUTH: callerAuth,
      ...(callers ? { KMS_CALLER_KEYS_FILE: callers.path } : passOn('KMS_CALLER_KEYS_FILE')),
      ALIBABA_CLOUD_ACCESS_KEY_ID: DEMO_ACCESS_KEY.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: DEMO_ACCESS_KEY.secret,
      ...passOn('KMS_API'),
      ...passOn('KMS_SIGNATURE_VERSION'),
      ...passOn('KMS_UPSTREAM_FORMAT'),
      ...passOn('KMS_ACCESS_LOG'),
      ...passOn('KMS_CODE_SPELLING'),
      ...passOn('KMS_ALLOWED_ACTIONS'),
      ...passOn('KMS_TIMEOUT_MS'),
      ...passOn('KMS_CALLER_KEYS_REFRESH_S'),
      ...passOn('POWERTOOLS_LOG_LEVEL'),
    },
    onOutput: (line) => {
      // The function's log lines are JSON; the rest is serverless-offline chatter.
      const shown = viewLine(line, logView);
      if (shown !== undefined) console.log(shown);
    },
  });
} catch (error) {
  console.error((error as Error).message);
  await emulator.close().catch((closeError: Error) => console.error(closeError.message));
  process.exit(1);
}

const base = gateway.url;
const curl = (url: string) => `curl -s '${url}'`;
const demoCaller = { accessKeyId: DEMO_CALLER_KEY.id, accessKeySecret: DEMO_CALLER_KEY.secret };
const demoKms = { accessKeyId: DEMO_ACCESS_KEY.id, accessKeySecret: DEMO_ACCESS_KEY.secret };
const portArg = port === 3000 ? '' : `PORT=${port} `;

function commands(): string[] {
  if (mode === 'passthrough') {
    return [
      '# passthrough: callers sign with the demo AccessKey; this URL is signed once, valid 15 min',
      curl(presignedUrl(base, { Action: 'ListKeys', Format: 'XML' }, demoKms)),
      '# an error, in the documented envelope (unsigned)',
      curl(`${base}?Action=ListKeys`),
    ];
  }
  if (callerAuth === 'none') {
    return [
      '# caller authentication is OFF (KMS_CALLER_AUTH=none): anyone who reaches the port calls KMS',
      '# JSON (the default)',
      curl(`${base}?Action=Encrypt&KeyId=${DEMO_ALIAS}&Plaintext=aGVsbG8=`),
      '# XML, asked for by Accept (or add &Format=XML)',
      `curl -s -H 'Accept: application/xml' '${base}?Action=ListKeys'`,
      '# an error, in the documented envelope',
      curl(`${base}?Action=DescribeKey&KeyId=alias/missing`),
    ];
  }
  return [
    '# a call signed with the caller key (add --format XML for XML, --v3 for signature V3)',
    `${portArg}npm run call -- Encrypt KeyId=${DEMO_ALIAS} Plaintext=aGVsbG8=`,
    '# a pre-signed URL for curl: valid 15 minutes, once (a second use is a replay)',
    curl(presignedUrl(base, { Action: 'ListKeys', Format: 'XML' }, demoCaller)),
    `# a fresh one each time: curl -s "$(${portArg}npm run -s call -- --url ListKeys)"`,
    '# unsigned: refused, and the envelope says why',
    curl(`${base}?Action=ListKeys`),
    "# from Node with Alibaba's SDK (@alicloud/pop-core):",
    `#   new RPCClient({ endpoint: '${base.replace(/\/$/, '')}', apiVersion: '${API_VERSION}',`,
    `#     accessKeyId: '${DEMO_CALLER_KEY.id}', accessKeySecret: '${DEMO_CALLER_KEY.secret}' })`,
    "#     .request('Encrypt', { KeyId: 'alias/demo', Plaintext: 'aGVsbG8=' }, { method: 'POST' })",
  ];
}

const identities =
  callers !== undefined
    ? [`  caller key ${DEMO_CALLER_KEY.id} / ${DEMO_CALLER_KEY.secret}  (callers sign with it)`]
    : ownCallers
      ? [`  callers   ${ownCallers}`]
      : [];
console.log(
  [
    '',
    `kms-normalizer is up (KMS_MODE=${mode}, KMS_CALLER_AUTH=${callerAuth})`,
    `  gateway   ${base}  (serverless-offline, HTTP API)`,
    `  emulator  ${emulator.url}/  (KMS ${API_VERSION}; key ${DEMO_ALIAS} = ${demoKeyId})`,
    ...identities,
    `  AccessKey ${DEMO_ACCESS_KEY.id} / ${DEMO_ACCESS_KEY.secret}  (the function signs KMS calls with it)`,
    ...(statePath ? [`  state     ${statePath}  (kept across restarts)`] : []),
    '',
    ...commands(),
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
