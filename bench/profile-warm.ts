/**
 * Profiles warm invocations of the handler, with the emulator in a child process so the profile
 * holds the gateway's work only:
 *
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/profile-warm.ts Encrypt 5000
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/profile-warm.ts ListKeys 5000
 *
 * then open the .cpuprofile in Chrome DevTools (Performance) or VS Code.
 */
import type { Context } from 'aws-lambda';
import { BENCH_ACCESS_KEY as accessKey, startEmulatorProcess } from './emulator-child.js';

const action = process.argv[2] ?? 'Encrypt';
const count = Number(process.argv[3] ?? 3000);
const emulator = await startEmulatorProcess();
Object.assign(process.env, {
  KMS_ENDPOINT: emulator.url,
  ALIBABA_CLOUD_ACCESS_KEY_ID: accessKey.id,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: accessKey.secret,
  KMS_CALLER_AUTH: 'none',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});
const { handler } = await import('../src/handler.js');
const invoke = handler as unknown as (e: unknown, c: Context) => Promise<{ statusCode: number }>;
const context = { awsRequestId: 'p', getRemainingTimeInMillis: () => 10_000 } as Context;
const query =
  action === 'Encrypt'
    ? `Action=Encrypt&KeyId=${emulator.keyId}&Plaintext=aGVsbG8%3D`
    : 'Action=ListKeys';
const event = {
  version: '2.0',
  rawQueryString: query,
  headers: { accept: 'application/xml' },
  isBase64Encoded: false,
  requestContext: { requestId: 'p', domainName: 'bench.local', http: { method: 'GET' } },
};
const started = performance.now();
const cpu = process.cpuUsage();
for (let i = 0; i < count; i++) {
  const result = await invoke(event, context);
  if (result.statusCode !== 200) throw new Error(`answered ${result.statusCode}`);
}
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
// CPU time is this process's alone (the emulator runs in another): the figure to compare changes by.
console.log(
  `${action}: ${count} warm invocations, ${((ms * 1000) / count).toFixed(0)} µs each, ` +
    `${((used.user + used.system) / count).toFixed(0)} µs of CPU each`,
);
emulator.stop();
