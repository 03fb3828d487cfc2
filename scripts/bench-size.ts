/**
 * Bundle size and cold import time of the deployed handler, beside a minimal Middy +
 * fast-xml-parser handler built the same way, in the same run. Part of `npm run bench`;
 * `npx tsx scripts/bench-size.ts` prints these lines alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { type Line, render } from '../bench/table.js';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 21;

async function bundle(entry: string, outfile: string): Promise<string> {
  // The options serverless.yml gives serverless-esbuild.
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: ['@aws-sdk/*'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** ms to import a bundle in a fresh Node process (what a cold start pays for code). */
function coldImportMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t))`;
  const ms = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      KMS_REGION: 'cn-hangzhou',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      KMS_CALLER_AUTH: 'none',
    },
  });
  return Number(ms.toString());
}

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] as number;

export async function sizeLines(): Promise<Line[]> {
  const out = mkdtempSync(join(tmpdir(), 'kms-bench-'));
  try {
    const ours = await bundle('src/handler.ts', join(out, 'handler.mjs'));
    const bare = await bundle('bench/baseline-handler.ts', join(out, 'bare.mjs'));
    // Alternate the two so a busy moment on a shared machine hits both alike.
    const times: { ours: number[]; bare: number[] } = { ours: [], bare: [] };
    for (let i = 0; i < RUNS; i++) {
      times.ours.push(coldImportMs(ours));
      times.bare.push(coldImportMs(bare));
    }
    const anchor = 'bare Middy + fast-xml-parser bundle';
    const kB = (file: string) => statSync(file).size / 1024;
    const gzipKB = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length / 1024;
    return [
      {
        what: 'bundle, minified',
        payload: '',
        ours: kB(ours),
        anchor,
        theirs: kB(bare),
        unit: 'kB',
        limit: 120,
      },
      {
        what: 'bundle, gzip -9',
        payload: '',
        ours: gzipKB(ours),
        anchor,
        theirs: gzipKB(bare),
        unit: 'kB',
      },
      {
        what: `cold import, fresh process (median of ${RUNS})`,
        payload: '',
        ours: median(times.ours),
        anchor,
        theirs: median(times.bare),
        unit: 'ms',
        atMost: 1.3,
      },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(render(await sizeLines()));
}
