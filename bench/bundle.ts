/**
 * The handler bundled with the options serverless.yml gives serverless-esbuild (one place, for
 * every bench that builds it), and which of its files a cold start loads: the entry and the
 * chunks it imports statically. A chunk reached only by `import()` (the general XML reader) is
 * loaded on first need.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const ROOT = join(import.meta.dirname, '..');

export interface Bundle {
  /** the entry file, what Lambda imports */
  readonly entry: string;
  /** the .mjs files loaded at import: the entry and its static chunks */
  readonly atImport: readonly string[];
  /** every .mjs file of the bundle */
  readonly all: readonly string[];
}

export interface BundleOptions {
  /** the entry point, relative to the project root (default src/handler.ts) */
  readonly entry?: string;
  readonly sourcemap?: 'none' | 'linked' | 'linked-with-sources';
}

export async function bundle(outdir: string, options: BundleOptions = {}): Promise<Bundle> {
  const entry = options.entry ?? 'src/handler.ts';
  const map = options.sourcemap ?? 'none';
  const { metafile } = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    platform: 'node',
    target: 'node22',
    external: ['@aws-sdk/*'],
    outExtension: { '.js': '.mjs' },
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    sourcemap: map === 'none' ? false : 'linked',
    sourcesContent: map === 'linked-with-sources',
    outdir,
    metafile: true,
    logLevel: 'silent',
  });
  const outputs = Object.keys(metafile.outputs).filter((file) => file.endsWith('.mjs'));
  const entryFile = outputs.find((file) => metafile.outputs[file]?.entryPoint !== undefined);
  if (!entryFile) throw new Error(`no entry among ${outputs.join(', ')}`);
  const atImport = new Set<string>();
  const visit = (file: string) => {
    if (atImport.has(file)) return;
    atImport.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entryFile);
  // The metafile's paths are relative to the working directory.
  return {
    entry: resolve(entryFile),
    atImport: [...atImport].map((file) => resolve(file)),
    all: outputs.map((file) => resolve(file)),
  };
}

/** kB on disk of the files together. */
export const kB = (files: readonly string[]) =>
  files.reduce((sum, file) => sum + statSync(file).size, 0) / 1024;

/** kB of the files gzipped one by one (as each would travel), together. */
export const gzipKB = (files: readonly string[]) =>
  files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0) / 1024;
