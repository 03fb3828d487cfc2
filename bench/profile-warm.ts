/**
 * Profiles warm invocations of the handler, with the emulator in a child process so the profile
 * holds the gateway's work only:
 *
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/profile-warm.ts Encrypt 5000
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/profile-warm.ts ListKeys 5000
 *
 * then open the .cpuprofile in Chrome DevTools (Performance) or VS Code.
 */
import { fork } from 'node:child_process';
import type { Context } from 'aws-lambda';
import { startEmulator } from '../src/emulator/index.js';

const accessKey = { id: 'LTAI5tBenchKey000001', secret: 'bench-secret-0123456789' };

if (process.argv[2] === '--emulator') {
  const emulator = await startEmulator({ accessKeys: [accessKey] });
  const key = emulator.state.createKey();
  for (let i = 0; i < 9; i++) emulator.state.createKey();
  process.send?.({ url: emulator.url, keyId: key.KeyId });
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
} else {
  const action = process.argv[2] ?? 'Encrypt';
  const count = Number(process.argv[3] ?? 3000);
  const child = fork(import.meta.filename, ['--emulator'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const { url, keyId } = await new Promise<{ url: string; keyId: string }>((resolve) =>
    child.once('message', (m) => resolve(m as { url: string; keyId: string })),
  );
  Object.assign(process.env, {
    KMS_ENDPOINT: url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.id,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.secret,
    KMS_CALLER_AUTH: 'none',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const { handler } = await import('../src/handler.js');
  const invoke = handler as unknown as (e: unknown, c: Context) => Promise<{ statusCode: number }>;
  const context = { awsRequestId: 'p', getRemainingTimeInMillis: () => 10_000 } as Context;
  const query =
    action === 'Encrypt' ? `Action=Encrypt&KeyId=${keyId}&Plaintext=aGVsbG8%3D` : 'Action=ListKeys';
  const event = {
    version: '2.0',
    rawQueryString: query,
    headers: { accept: 'application/xml' },
    isBase64Encoded: false,
    requestContext: { requestId: 'p', domainName: 'bench.local', http: { method: 'GET' } },
  };
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const result = await invoke(event, context);
    if (result.statusCode !== 200) throw new Error(`answered ${result.statusCode}`);
  }
  const ms = performance.now() - started;
  console.log(`${action}: ${count} warm invocations, ${((ms * 1000) / count).toFixed(0)} µs each`);
  child.disconnect();
}
