/**
 * `npm start` as a newcomer runs it: the banner's curl lines work against the running stack,
 * and Ctrl-C stops everything, ports freed.
 */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/offline.js';
import { freePort } from './stack.js';

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Runs `npm start` (its script, as npm would) until the banner is out; returns its output. */
async function start(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/local/start.ts'],
    {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PORT: String(port),
        KMS_EMULATOR_PORT: String(await freePort()),
        KMS_OFFLINE_LAMBDA_PORT: String(await freePort()),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const until = Date.now() + 60_000;
  while (!output.includes('Ctrl-C stops everything.')) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill('SIGINT');
      throw new Error(output);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stop = async () => {
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await accepts(port)).toBe(false);
  };
  return { port, banner: output, stop };
}

/** Runs a banner command line (`PORT=… npm run call -- …`) the way a shell would. */
function runCall(line: string): Promise<{ code: number | null; stdout: string }> {
  const [, portText, args = ''] = /^(?:PORT=(\d+) )?npm run call -- (.*)$/.exec(line) ?? [];
  const child = spawn(
    process.execPath,
    [join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'src/local/call.ts', ...args.split(' ')],
    {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', ...(portText ? { PORT: portText } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

it('npm start as deployed: the signed call answers, the pre-signed URL works once, unsigned is refused', async () => {
  const { port, banner, stop } = await start({});
  try {
    expect(banner).toContain('KMS_CALLER_AUTH=signature');
    expect(banner).toMatch(/caller key \S+ \/ \S+/);
    const callLine = banner.split('\n').find((l) => l.includes('npm run call -- Encrypt'));
    expect(callLine).toBe(
      `PORT=${port} npm run call -- Encrypt KeyId=alias/demo Plaintext=aGVsbG8=`,
    );
    const called = await runCall(callLine as string);
    expect(called.code).toBe(0);
    expect(JSON.parse(called.stdout)).toHaveProperty('CiphertextBlob');

    const urls = [...banner.matchAll(/^curl -s '([^']+)'$/gm)].map((m) => m[1] as string);
    expect(urls).toHaveLength(2);
    const [presigned, unsigned] = urls as [string, string];
    expect(presigned).toContain('Signature=');
    const first = await fetch(presigned);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('<TotalCount>1</TotalCount>');
    const replay = await fetch(presigned);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('<Code>SignatureNonceUsed</Code>');

    const refused = await fetch(unsigned);
    expect(refused.status).toBe(400);
    const envelope = (await refused.json()) as Record<string, unknown>;
    expect(envelope).toMatchObject({ HttpStatus: 400, Code: 'MissingParameter' });
    expect(envelope.Message).toContain('signed with a caller key');
  } finally {
    await stop();
  }
}, 90_000);

it('KMS_CALLER_AUTH=none npm start still answers plain curl lines', async () => {
  const { banner, stop } = await start({ KMS_CALLER_AUTH: 'none' });
  try {
    expect(banner).toContain('caller authentication is OFF');
    const urls = [...banner.matchAll(/curl -s (?:-H '([^']+)' )?'([^']+)'/g)];
    expect(urls).toHaveLength(3);
    const [json, xml, error] = await Promise.all(
      urls.map(([, header, url]) =>
        fetch(url as string, {
          headers: header
            ? { [header.split(': ')[0] as string]: header.split(': ')[1] as string }
            : {},
        }),
      ),
    );
    expect(json?.status).toBe(200);
    expect(await json?.json()).toHaveProperty('CiphertextBlob');
    expect(xml?.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(await xml?.text()).toContain('<TotalCount>1</TotalCount>');
    expect(error?.status).toBe(404);
    expect(await error?.json()).toMatchObject({ HttpStatus: 404, Code: 'Forbidden.AliasNotFound' });
  } finally {
    await stop();
  }
}, 90_000);
