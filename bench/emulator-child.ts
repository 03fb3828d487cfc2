/**
 * The emulator in its own process, for the warm-path rows and the profiler: what the gateway
 * does is then all that runs in the measuring process. Forked by startEmulatorProcess().
 */
import { fork } from 'node:child_process';
import { startEmulator } from '../src/emulator/index.js';

export const BENCH_ACCESS_KEY = { id: 'LTAI5tBenchKey000001', secret: 'bench-secret-0123456789' };

export interface EmulatorProcess {
  readonly url: string;
  /** a symmetric key; nine more exist, so ListKeys answers ten */
  readonly keyId: string;
  stop(): void;
}

export async function startEmulatorProcess(): Promise<EmulatorProcess> {
  const child = fork(import.meta.filename, ['--serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  const { url, keyId } = await new Promise<{ url: string; keyId: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; keyId: string }));
    child.once('exit', (code) => reject(new Error(`emulator process exited (${code})`)));
  });
  return { url, keyId, stop: () => child.disconnect() };
}

if (process.argv[2] === '--serve') {
  const emulator = await startEmulator({ accessKeys: [BENCH_ACCESS_KEY] });
  const key = emulator.state.createKey();
  for (let i = 0; i < 9; i++) emulator.state.createKey();
  process.send?.({ url: emulator.url, keyId: key.KeyId });
  process.on('disconnect', () => void emulator.close().then(() => process.exit(0)));
}
