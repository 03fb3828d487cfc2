import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { RESPONSE_TYPES, renderResponse } from '../../deploy/gateway-responses.js';
import { implementedActions, STS_ERROR_CODES } from '../../src/emulator/index.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { PROJECT_ROOT } from '../../src/local/offline.js';

// The emulator's reference lives in docs/emulator.md; the README links it.
const reference = () => readFileSync(`${PROJECT_ROOT}/docs/emulator.md`, 'utf8');

it('the emulator reference lists exactly the actions the emulator implements', () => {
  const doc = reference();
  const table = doc.slice(doc.indexOf('| area | actions |'), doc.indexOf('Any other action'));
  const listed = Object.keys(ACTIONS).filter((action) => new RegExp(`\\b${action}\\b`).test(table));
  expect(listed.sort()).toEqual(implementedActions());
});

it('the emulator reference names every code the emulated STS answers', () => {
  const missing = STS_ERROR_CODES.filter((code) => !reference().includes(`\`${code}\``));
  expect(missing).toEqual([]);
});

it('the README links the emulator reference', () => {
  const readme = readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
  expect(readme).toContain('(docs/emulator.md)');
});

it("the README's gateway-response table is the one the REST API deploys", () => {
  const readme = readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
  const section = readme.slice(
    readme.indexOf('### REST API: gateway responses'),
    readme.indexOf('What API Gateway can and cannot do here'),
  );
  const documented = new Map<string, string>();
  for (const row of section.split('\n').filter((line) => /^\| `[A-Z_0-9]+`/.test(line))) {
    const [types = '', status = '', code = ''] = row
      .split('|')
      .slice(1)
      .map((cell) => cell.trim());
    for (const type of types.match(/[A-Z_0-9]+/g) ?? []) {
      documented.set(type, `${status} ${code.match(/^`([^`]+)`/)?.[1]}`);
    }
  }
  const deployed = new Map(
    RESPONSE_TYPES.map((type) => {
      const { status, code } = renderResponse(type, 'documented');
      return [type, `${status} ${code}`];
    }),
  );
  expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(deployed));
});

it('the README documents every variable serverless.yml reads at deploy time', () => {
  const readme = readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
  const yml = readFileSync(`${PROJECT_ROOT}/serverless.yml`, 'utf8');
  const variables = new Set([...yml.matchAll(/\$\{env:(\w+)/g)].map((match) => match[1]));
  const missing = [...variables].filter((name) => !readme.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});
