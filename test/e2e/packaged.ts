/**
 * `npx serverless package`, offline, with deploy-time variables, and what it produces: the
 * CloudFormation template and the zip's entries. Each call packages into a folder of its own
 * (removed with the test file's temporary root).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
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
 * `npx serverless package` with these deploy-time variables (and nothing else from ours), run
 * in a service folder of its own: osls and serverless-esbuild write `.serverless/` and the
 * bundle's work folder into the service folder whatever `--package` says, and two test files
 * packaging at once in the project itself removed them under each other (ENOENT, or a run that
 * never ended). The folder links to the project's files; only what the tools write is its own.
 */
export function pack(root: string, env: Record<string, string> = {}): Promise<Packaged> {
  return packOnce(root, env);
}

/** What `serverless package` reads from the project: files copied (osls will not take a link to its config), folders linked. */
const SERVICE_FILES = ['serverless.yml', 'package.json', 'tsconfig.json'];
const SERVICE_FOLDERS = ['node_modules', 'src', 'deploy'];

function serviceFolder(root: string): string {
  const service = mkdtempSync(join(root, 'service-'));
  for (const name of SERVICE_FILES) copyFileSync(join(PROJECT_ROOT, name), join(service, name));
  for (const name of SERVICE_FOLDERS) symlinkSync(join(PROJECT_ROOT, name), join(service, name));
  return service;
}

function packOnce(root: string, env: Record<string, string>): Promise<Packaged> {
  const dir = mkdtempSync(join(root, 'variant-'));
  const service = serviceFolder(root);
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
        cwd: service,
        env: { PATH: process.env.PATH ?? '', HOME: root, ...env },
      },
      (error, stdout, stderr) => {
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
