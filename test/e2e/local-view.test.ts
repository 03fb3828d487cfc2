/**
 * `npm start` on a terminal (a pseudo-terminal from util-linux `script`): an error the function
 * normalizes is printed as one coloured line, not as JSON. The same command piped prints the raw
 * JSON (test/e2e/start.test.ts and the stack's tests read it).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/offline.js';
import { freePort } from './stack.js';

const ESC = '\u001B';

/** The processes `pid` started (Linux), to stop the one under `script` by its own id. */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);

it('on a terminal, each normalized error is one readable coloured line', async () => {
  const port = await freePort();
  const command = `exec ${process.execPath} ${join(PROJECT_ROOT, 'node_modules/tsx/dist/cli.mjs')} src/local/start.ts`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SHELL: '/bin/sh',
      PORT: String(port),
      KMS_EMULATOR_PORT: String(await freePort()),
      KMS_OFFLINE_LAMBDA_PORT: String(await freePort()),
      KMS_CALLER_AUTH: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const until = async (text: string) => {
    const deadline = Date.now() + 60_000;
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(output);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  try {
    await until('Ctrl-C stops everything.');
    const answer = await fetch(`http://127.0.0.1:${port}/?Action=DescribeKey&KeyId=alias/missing`);
    expect(answer.status).toBe(404);
    await until(`404 Forbidden.AliasNotFound${ESC}[0m`);
    const line = output.split(/\r?\n/).find((l) => l.includes('Forbidden.AliasNotFound'));
    expect(line).toContain(`${ESC}[33m404 Forbidden.AliasNotFound${ESC}[0m`);
    expect(line).toContain('upstream-answer');
    expect(output).not.toContain('"message":"kms error normalized"');
    expect(output).not.toContain('"_aws"');
  } finally {
    // Ctrl-C as the terminal would send it, to npm start itself (script would kill it outright,
    // leaving serverless-offline behind).
    for (const pid of childrenOf(child.pid as number)) process.kill(pid, 'SIGINT');
    expect(await exited).toBe(0);
  }
}, 90_000);
