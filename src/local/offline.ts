/**
 * Starts the function behind a real serverless-offline API Gateway (HTTP API, or REST API with
 * `api: 'rest'`), as a child
 * process in its own process group so stopping it stops its esbuild watcher too. Used by
 * `npm start` and by the end-to-end tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface OfflineOptions {
  readonly port: number;
  readonly lambdaPort: number;
  /** which API Gateway serverless.yml deploys (KMS_API): HTTP API payload 2.0, or REST payload 1.0 */
  readonly api?: 'http' | 'rest';
  /** the function's environment (KMS_*, ALIBABA_CLOUD_*) */
  readonly env: Readonly<Record<string, string>>;
  /** receives every output line of serverless-offline, the function's logs included */
  readonly onOutput?: (line: string) => void;
  readonly readyTimeoutMs?: number;
}

export interface OfflineGateway {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * @throws Error when serverless-offline does not start, with the tail of its output
 */
export async function startOffline(options: OfflineOptions): Promise<OfflineGateway> {
  // Each gateway bundles into its own folder, so several can run at once.
  const workDir = mkdtempSync(join(PROJECT_ROOT, '.esbuild-'));
  const child = spawn(
    process.execPath,
    [
      join(PROJECT_ROOT, 'node_modules/serverless/bin/serverless.js'),
      'offline',
      'start',
      '--httpPort',
      String(options.port),
      '--lambdaPort',
      String(options.lambdaPort),
    ],
    {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        ...options.env,
        ...(options.api ? { KMS_API: options.api } : {}),
        PORT: String(options.port),
        KMS_OFFLINE_LAMBDA_PORT: String(options.lambdaPort),
        KMS_ESBUILD_DIR: relative(PROJECT_ROOT, workDir),
      },
    },
  );
  let exited = false;
  // Ready when serverless-offline says so: a port that merely accepts connections could belong
  // to another process.
  let ready = false;
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (line.includes('Server ready:')) ready = true;
        if (output.length > 200) output.shift();
        options.onOutput?.(line);
      }
    });
  }
  child.on('exit', () => {
    exited = true;
  });

  const stop = async () => {
    if (!exited && child.pid) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(workDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${options.port}/`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  while (!ready) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`serverless-offline did not start:\n${output.slice(-30).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child, stop };
}
