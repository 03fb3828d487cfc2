/**
 * `npm run call -- <Action> [Name=Value …] [--format XML] [--v3] [--url]`: signs a call with the
 * demo caller key (or KMS_CALLER_KEY_ID / KMS_CALLER_KEY_SECRET), sends it to the local gateway
 * (http://127.0.0.1:$PORT/, or KMS_GATEWAY_URL) and prints the answer; `--url` prints a fresh
 * pre-signed URL for curl instead. Exits 1 when the answer is an error.
 */
import { DEMO_CALLER_KEY } from './demo.js';
import { presignedUrl, signedPost } from './signed-call.js';

const USAGE =
  'usage: npm run call -- <Action> [Name=Value ...] [--format JSON|XML] [--v3] [--url]\n' +
  '  e.g. npm run call -- Encrypt KeyId=alias/demo Plaintext=aGVsbG8=';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const args = process.argv.slice(2);
const params: Record<string, string> = {};
let asUrl = false;
let version: 'v1' | 'v3' = 'v1';
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === '--url') asUrl = true;
  else if (arg === '--v3') version = 'v3';
  else if (arg === '--format') {
    const format = args[++i];
    if (format === undefined) fail(USAGE);
    params.Format = format;
  } else if (arg === '--help' || arg === '-h') fail(USAGE);
  else if (arg.startsWith('--')) fail(`unknown option ${arg}\n${USAGE}`);
  else if (arg.includes('=')) {
    const at = arg.indexOf('=');
    params[arg.slice(0, at)] = arg.slice(at + 1);
  } else if (params.Action === undefined) params.Action = arg;
  else fail(`${arg}: parameters are Name=Value\n${USAGE}`);
}
if (!params.Action) fail(USAGE);

const base = process.env.KMS_GATEWAY_URL ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}/`;
const credentials = {
  accessKeyId: process.env.KMS_CALLER_KEY_ID ?? DEMO_CALLER_KEY.id,
  accessKeySecret: process.env.KMS_CALLER_KEY_SECRET ?? DEMO_CALLER_KEY.secret,
};

if (asUrl) {
  if (version === 'v3') fail('--url makes a V1 pre-signed URL; V3 signs headers, not a URL');
  console.log(presignedUrl(base, params, credentials));
} else {
  const { url, init } = signedPost(base, params, credentials, version);
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    fail(`${base}: ${(error as Error).message} (is npm start running?)`);
  }
  console.error(`HTTP ${response.status} ${response.headers.get('content-type') ?? ''}`);
  console.log(await response.text());
  process.exitCode = response.ok ? 0 : 1;
}
