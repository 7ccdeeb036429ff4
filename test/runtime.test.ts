import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The tests run on the Node.js major version the functions run on in Lambda, whatever `node` the
 * machine has: npm scripts put the project's own Node (the `node` dev dependency) first on the PATH.
 */
describe('runtime', () => {
  const template = readFileSync(join(import.meta.dirname, '..', 'serverless.yml'), 'utf8');
  const lambdaMajor = /^\s*runtime:\s*nodejs(\d+)\.x\s*$/m.exec(template)?.[1];

  it("is Lambda's Node.js major version", () => {
    expect(lambdaMajor).toBe('22');
    expect(process.versions.node.split('.')[0]).toBe(lambdaMajor);
  });
});
