import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../local/harness.js';

export type Packaged = { ok: true; template: any } | { ok: false; output: string };

/**
 * Packages a copy of the service (sources only) with `serverless package` and the given arguments,
 * after `change` has edited the copy: the real tree and its packaged template stay as they are.
 */
export const packageCopy = (change: (dir: string) => void, args: string[]): Packaged => {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-'));
  try {
    for (const entry of [
      'serverless.yml',
      'esbuild.config.cjs',
      'package.json',
      'tsconfig.json',
      'serverless',
      'settings',
      'functions',
      'lib',
    ]) {
      cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    change(dir);
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', ...args], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
      });
      return {
        ok: true,
        template: JSON.parse(
          readFileSync(join(dir, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8'),
        ),
      };
    } catch (error) {
      const e = error as { stdout?: Buffer; stderr?: Buffer };
      return { ok: false, output: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** A template's resources (logical id and type) and every IAM statement of each role, for comparing two. */
export const resourcesAndGrants = (template: any) => ({
  resources: Object.entries<any>(template.Resources)
    .map(([id, r]) => `${id} ${r.Type}`)
    .sort(),
  grants: Object.fromEntries(
    Object.entries<any>(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, r]) => [
        id,
        {
          trust: r.Properties.AssumeRolePolicyDocument,
          managed: r.Properties.ManagedPolicyArns ?? [],
          statements: (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
        },
      ]),
  ),
});
