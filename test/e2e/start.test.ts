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

it('starts emulator and gateway, serves the banner lines, stops on Ctrl-C', async () => {
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
  try {
    const until = Date.now() + 60_000;
    while (!output.includes('Ctrl-C stops everything.')) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(output);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const urls = [...output.matchAll(/curl -s (?:-H '([^']+)' )?'([^']+)'/g)];
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
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(await accepts(port)).toBe(false);
}, 90_000);
