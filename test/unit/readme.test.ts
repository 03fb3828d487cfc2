import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { implementedActions, STS_ERROR_CODES } from '../../src/emulator/index.js';
import { ACTIONS } from '../../src/kms/actions.generated.js';
import { PROJECT_ROOT } from '../../src/local/offline.js';

it('the README lists exactly the actions the emulator implements', () => {
  const readme = readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
  const table = readme.slice(
    readme.indexOf('| area | actions |'),
    readme.indexOf('Any other action'),
  );
  const listed = Object.keys(ACTIONS).filter((action) => new RegExp(`\\b${action}\\b`).test(table));
  expect(listed.sort()).toEqual(implementedActions());
});

it("the README's emulator section names every code the emulated STS answers", () => {
  const readme = readFileSync(`${PROJECT_ROOT}/README.md`, 'utf8');
  const section = readme.slice(
    readme.indexOf('## The local KMS emulator'),
    readme.indexOf('## Tests and benchmarks'),
  );
  const missing = STS_ERROR_CODES.filter((code) => !section.includes(`\`${code}\``));
  expect(missing).toEqual([]);
});
