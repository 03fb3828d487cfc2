/**
 * `npx serverless package`, offline, with deploy-time variables, and what it produces: the
 * CloudFormation template and the zip's entries. Each call packages into a folder of its own
 * (removed with the test file's temporary root).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/offline.js';

/** One CloudFormation resource, read by path in assertions. */
export interface CfnResource {
  Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, read by path in assertions
  Properties: Record<string, any>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, CfnResource>;
  Conditions: Record<string, unknown>;
  Outputs: Record<string, unknown>;
}

export interface Packaged {
  readonly dir: string;
  readonly template: Template;
  /** the zip's entries, name → bytes */
  entries(): Map<string, Buffer>;
}

/** The entries of a zip file, read from its central directory. */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const local = zip.readUInt32LE(at + 42);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + extra;
  }
  return entries;
}

/** A temporary root for this test file's packages, removed after its tests. */
export function packageRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'kms-package-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** The error osls printed, when packaging failed. */
export class PackageFailed extends Error {
  override readonly name = 'PackageFailed';
}

/**
 * `npx serverless package` with these deploy-time variables (and nothing else from ours).
 * osls also touches the project's own `.serverless/` folder, whatever `--package` says: two test
 * files packaging at the same moment can remove it under each other (ENOENT on
 * serverless-state.json, seen once in 30 full runs). That race is the tool's, not the product's:
 * such a run is tried once more.
 */
export async function pack(root: string, env: Record<string, string> = {}): Promise<Packaged> {
  try {
    return await packOnce(root, env);
  } catch (error) {
    const raced = error instanceof PackageFailed && /ENOENT[^\n]*\.serverless/.test(error.message);
    if (!raced) throw error;
    return packOnce(root, env);
  }
}

function packOnce(root: string, env: Record<string, string>): Promise<Packaged> {
  const dir = mkdtempSync(join(root, 'variant-'));
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [
        join(PROJECT_ROOT, 'node_modules/serverless/bin/serverless.js'),
        'package',
        '--package',
        dir,
      ],
      {
        cwd: PROJECT_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: root,
          // Each package bundles in a folder of its own, so test files can package at once.
          KMS_ESBUILD_DIR: `.esbuild-package-${dir.split('/').pop()}`,
          ...env,
        },
      },
      (error, stdout, stderr) => {
        rmSync(join(PROJECT_ROOT, `.esbuild-package-${dir.split('/').pop()}`), {
          recursive: true,
          force: true,
        });
        if (error) return reject(new PackageFailed(`${stderr}\n${stdout}`));
        resolve({
          dir,
          template: JSON.parse(
            readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
          ),
          entries: () => unzip(readFileSync(join(dir, 'kms-normalizer.zip'))),
        });
      },
    ),
  );
}

export const ofType = (template: Template, type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** The one resource of a type. */
export function onlyOfType(template: Template, type: string): CfnResource {
  const found = ofType(template, type);
  if (found.length !== 1) throw new Error(`${found.length} resources of type ${type}`);
  return (found[0] as [string, CfnResource])[1];
}
