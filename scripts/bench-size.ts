/**
 * Bundle size and cold import time of the deployed handler, beside a minimal Middy +
 * fast-xml-parser handler built the same way, in the same run.
 *
 *   npm run bench   (runs this after the vitest benches)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 15;
const out = mkdtempSync(join(tmpdir(), 'kms-bench-'));

async function bundle(entry: string, name: string): Promise<string> {
  const outfile = join(out, `${name}.mjs`);
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

/** Median ms to import the bundle in a fresh Node process (what a cold start pays for code). */
function coldImportMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ms = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        KMS_REGION: 'cn-hangzhou',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      },
    });
    times.push(Number(ms.toString()));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] as number;
}

const rows = [];
for (const [name, entry] of [
  ['kms-normalizer handler', 'src/handler.ts'],
  ['baseline: Middy + fast-xml-parser', 'bench/baseline-handler.ts'],
] as const) {
  const file = await bundle(entry, name.replace(/\W+/g, '-'));
  rows.push({
    bundle: name,
    'minified kB': +(statSync(file).size / 1024).toFixed(1),
    'gzip kB': +(gzipSync(readFileSync(file), { level: 9 }).length / 1024).toFixed(1),
    [`cold import ms (median of ${RUNS})`]: +coldImportMs(file).toFixed(1),
  });
}
console.log(`\nNode ${process.version}, ${process.platform}/${process.arch}`);
console.table(rows);
rmSync(out, { recursive: true, force: true });
