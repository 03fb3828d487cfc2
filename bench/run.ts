/**
 * `npm run bench`: every figure of issue 9 beside its anchor, measured in this one run, printed
 * as one Markdown table (docs/benchmarks.md quotes one run). About a minute on 2 cores.
 */
import { cpus } from 'node:os';
import { sizeLines } from '../scripts/bench-size.js';
import { callerLines } from './caller-rows.js';
import { codecLines } from './codec-rows.js';
import { emulatorLines } from './emulator-rows.js';
import { handlerLines } from './handler-rows.js';
import { sourceMapLines } from './source-map-rows.js';
import { type Line, render } from './table.js';

const started = performance.now();
const lines: Line[] = [];
// `npm run bench -- conversions` runs the sections whose name starts with the argument.
const only = process.argv[2];
const section = async (name: string, run: () => Promise<Line[]>) => {
  if (only && !name.startsWith(only)) return;
  process.stderr.write(`bench: ${name}…\n`);
  // The handlers measured in this process keep their metrics on, as deployed: each invocation
  // builds its EMF documents, which are dropped here instead of written over the table.
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    lines.push(...(await run()));
  } finally {
    process.stdout.write = write;
  }
};
await section('conversions', codecLines);
await section('warm invocations', handlerLines);
await section('caller authentication', callerLines);
await section('emulator startup', emulatorLines);
await section('bundle and cold import', sizeLines);
await section('source maps', sourceMapLines);

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\nNode ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpu}; ` +
    `ratio = kms-normalizer ÷ anchor (lower is better); ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);
console.log(render(lines));
