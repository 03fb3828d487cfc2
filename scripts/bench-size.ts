/**
 * Bundle size and cold import time of the deployed handler, beside a minimal Middy +
 * fast-xml-parser handler built the same way (bench/bundle.ts), in the same run. Part of `npm run bench`;
 * `npx tsx scripts/bench-size.ts` prints these lines alone.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundle, gzipKB, kB } from '../bench/bundle.js';
import { type Line, render } from '../bench/table.js';

const RUNS = 21;

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
      // The child's stdout carries the timing alone (a cold import flushes no metrics anyway).
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  });
  return Number(ms.toString());
}

const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] as number;

export async function sizeLines(): Promise<Line[]> {
  const out = mkdtempSync(join(tmpdir(), 'kms-bench-'));
  try {
    const ours = await bundle(join(out, 'ours'));
    const bare = await bundle(join(out, 'bare'), { entry: 'bench/baseline-handler.ts' });
    const signing = await bundle(join(out, 'signing'), {
      entry: 'bench/baseline-signing-handler.ts',
    });
    // Alternate them so a busy moment on a shared machine hits all alike.
    const times: { ours: number[]; bare: number[]; signing: number[] } = {
      ours: [],
      bare: [],
      signing: [],
    };
    for (let i = 0; i < RUNS; i++) {
      times.ours.push(coldImportMs(ours.entry));
      times.bare.push(coldImportMs(bare.entry));
      times.signing.push(coldImportMs(signing.entry));
    }
    const anchor = 'bare Middy + fast-xml-parser bundle';
    return [
      {
        what: 'bundle loaded at cold start, minified',
        payload: '',
        ours: kB(ours.atImport),
        anchor,
        theirs: kB(bare.atImport),
        unit: 'kB',
        limit: 120,
      },
      {
        what: 'bundle with the general XML reader (loaded on first need)',
        payload: '',
        ours: kB(ours.all),
        anchor,
        theirs: kB(bare.all),
        unit: 'kB',
      },
      {
        what: 'bundle loaded at cold start, gzip -9',
        payload: '',
        ours: gzipKB(ours.atImport),
        anchor,
        theirs: gzipKB(bare.atImport),
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
      {
        what: `cold import, fresh process (median of ${RUNS})`,
        payload: '',
        ours: median(times.ours),
        anchor: 'the same bare bundle that also signs (node:crypto)',
        theirs: median(times.signing),
        unit: 'ms',
      },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(render(await sizeLines()));
}
