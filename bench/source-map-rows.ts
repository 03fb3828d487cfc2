/**
 * What readable stack traces cost: the handler bundled as serverless.yml ships it (minified,
 * a linked `.map` without the sources' text) beside the same bundle without a map, in the same
 * run. Size on disk and gzipped; cold import in a fresh `node` with `--enable-source-maps` (what
 * NODE_OPTIONS sets in Lambda) against without; the first bug's answer, whose stack frames the
 * runtime then maps; and a warm error answer, which formats no stack. Alternating runs, medians,
 * as scripts/bench-size.ts does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle, gzipKB, kB } from './bundle.js';
import type { Line } from './table.js';

const RUNS = 21;

const ENV = {
  PATH: process.env.PATH,
  KMS_REGION: 'cn-hangzhou',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
  KMS_CALLER_AUTH: 'none',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  // The child's stdout carries the timing alone.
  POWERTOOLS_METRICS_DISABLED: 'true',
};

/**
 * ms, in a fresh process: to import the bundle, and (`bug`) then to answer an event no API
 * Gateway sends, whose `unexpected error` line carries stack frames.
 */
function fresh(file: string, maps: boolean, bug: boolean): number {
  const url = JSON.stringify(pathToFileURL(file).href);
  const script = bug
    ? `const { handler } = await import(${url}); const t = performance.now(); await handler({}, { awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 }); process.stdout.write(String(performance.now() - t));`
    : `const t = performance.now(); await import(${url}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = spawnSync(
    process.execPath,
    [...(maps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script],
    { env: ENV, encoding: 'utf8' },
  );
  const ms = Number(stdout);
  if (!Number.isFinite(ms)) throw new Error(`no timing from ${file}: ${stdout}`);
  return ms;
}

const WARM_RUNS = 7;

/** µs per call, in a fresh process after a warm-up: a 400 MissingParameter, answered in the envelope. */
function warmErrorUs(file: string, maps: boolean): number {
  const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
const event = { version: '2.0', rawPath: '/', rawQueryString: 'Action=DescribeKey', headers: { host: 'h' },
  requestContext: { requestId: 'r', domainName: 'h', http: { method: 'GET' } } };
const context = { awsRequestId: 'r', getRemainingTimeInMillis: () => 5000 };
for (let i = 0; i < 300; i++) await handler(event, context);
const t = performance.now();
for (let i = 0; i < 2000; i++) await handler(event, context);
process.stdout.write(String(((performance.now() - t) / 2000) * 1000));`;
  const { stdout } = spawnSync(
    process.execPath,
    [...(maps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script],
    { env: ENV, encoding: 'utf8' },
  );
  const us = Number(stdout);
  if (!Number.isFinite(us)) throw new Error(`no timing from ${file}: ${stdout}`);
  return us;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[values.length >> 1] as number;

export async function sourceMapLines(): Promise<Line[]> {
  const out = mkdtempSync(join(tmpdir(), 'kms-bench-maps-'));
  try {
    const shipped = await bundle(join(out, 'shipped'), { sourcemap: 'linked' });
    const plain = await bundle(join(out, 'plain'));
    const withSources = await bundle(join(out, 'sources'), { sourcemap: 'linked-with-sources' });
    // What a cold start reads: the files loaded at import, with their maps where shipped.
    const maps = (files: readonly string[]) => files.map((file) => `${file}.map`);

    const times = { mapped: [] as number[], plain: [] as number[] };
    const bugs = { mapped: [] as number[], plain: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      times.mapped.push(fresh(shipped.entry, true, false));
      times.plain.push(fresh(plain.entry, false, false));
      bugs.mapped.push(fresh(shipped.entry, true, true));
      bugs.plain.push(fresh(plain.entry, false, true));
    }
    const warm = { mapped: [] as number[], plain: [] as number[] };
    for (let i = 0; i < WARM_RUNS; i++) {
      warm.mapped.push(warmErrorUs(shipped.entry, true));
      warm.plain.push(warmErrorUs(plain.entry, false));
    }
    const anchor = 'the same bundle, no source map';
    return [
      {
        what: 'bundle loaded at cold start + its maps, on disk',
        payload: '',
        ours: kB(shipped.atImport) + kB(maps(shipped.atImport)),
        anchor,
        theirs: kB(plain.atImport),
        unit: 'kB',
      },
      {
        what: 'bundle loaded at cold start + its maps, gzip -9',
        payload: '',
        ours: gzipKB(shipped.atImport) + gzipKB(maps(shipped.atImport)),
        anchor,
        theirs: gzipKB(plain.atImport),
        unit: 'kB',
      },
      {
        what: 'source map without the sources’ text',
        payload: '',
        ours: kB(maps(shipped.all)),
        anchor: 'source map with them (esbuild’s default)',
        theirs: kB(maps(withSources.all)),
        unit: 'kB',
      },
      {
        what: `cold import, --enable-source-maps (median of ${RUNS})`,
        payload: '',
        ours: median(times.mapped),
        anchor,
        theirs: median(times.plain),
        unit: 'ms',
      },
      {
        what: `first bug answered, frames mapped (median of ${RUNS})`,
        payload: '',
        ours: median(bugs.mapped),
        anchor,
        theirs: median(bugs.plain),
        unit: 'ms',
      },
      {
        what: `warm error answer, 400 in the envelope (median of ${WARM_RUNS})`,
        payload: 'MissingParameter',
        ours: median(warm.mapped),
        anchor,
        theirs: median(warm.plain),
        unit: 'µs',
      },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
