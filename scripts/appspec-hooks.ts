import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  formatAppspecHooks,
  functionArn,
  type HookFunction,
  hookFunctionsByConvention,
  hookFunctionsFromTemplate,
} from '../lib/hooks/appspec.js';
import { HOOK_NAMES } from '../lib/hooks/hooks.js';
import { parseHooksSettings } from '../lib/hooks/settings.js';

/**
 * Prints the appspec `Hooks:` section of an ECS deployment for a stage:
 *
 *   npx tsx scripts/appspec-hooks.ts --stage prod [--service deploy-sentinel]
 *        [--template .serverless/cloudformation-template-update-stack.json]
 *        [--settings settings/prod.yml] [--region eu-west-1 --account 123456789012]
 *
 * Function names come from the packaged template when there is one, otherwise from the naming
 * convention the stack outputs follow. With --region and --account it prints unqualified ARNs.
 * When the stage's settings file configures hooks, only hooks with checks are listed.
 */

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    stage: { type: 'string' },
    service: { type: 'string' },
    template: { type: 'string' },
    settings: { type: 'string' },
    region: { type: 'string' },
    account: { type: 'string' },
    partition: { type: 'string', default: 'aws' },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const stage =
  values.stage ??
  fail(
    'usage: appspec-hooks --stage <stage> [--service name] [--template file] [--settings file] [--region r --account a]',
  );
const serverlessYml = join(root, 'serverless.yml');
// A regular expression, not a YAML parse: serverless.yml holds CloudFormation tags (!GetAtt, !Sub).
const service =
  values.service ??
  (existsSync(serverlessYml)
    ? /^service:\s*['"]?([\w-]+)/m.exec(readFileSync(serverlessYml, 'utf8'))?.[1]
    : undefined) ??
  'deploy-sentinel';

const templatePath = values.template ?? join(root, '.serverless', 'cloudformation-template-update-stack.json');
if (values.template && !existsSync(values.template)) fail(`template ${values.template} not found`);
const packaged = existsSync(templatePath)
  ? hookFunctionsFromTemplate(JSON.parse(readFileSync(templatePath, 'utf8')), service, stage)
  : [];
if (values.template && packaged.length === 0)
  fail(`${values.template} holds no hook functions for ${service}-${stage}`);
// The default template may belong to another stage: then the naming convention applies.
let functions: HookFunction[] = packaged;
if (packaged.length === 0) {
  try {
    functions = hookFunctionsByConvention(service, stage);
  } catch (error) {
    fail((error as Error).message);
  }
}
const source =
  packaged.length > 0
    ? `packaged template ${templatePath}`
    : 'the naming convention CodeDeployHook_<service>-<stage>-<hook>';

const settingsPath =
  values.settings ??
  [join(root, 'settings', `${stage}.yml`), join(root, 'settings', 'default.yml')].find((p) => existsSync(p)) ??
  '';
if (settingsPath && existsSync(settingsPath)) {
  const settings = parseHooksSettings(
    (parseYaml(readFileSync(settingsPath, 'utf8')) as { hooks?: unknown } | null)?.hooks,
  );
  if (settings instanceof Error) fail(`${settingsPath}: ${settings.message}`);
  else {
    const configured = HOOK_NAMES.filter((name) => (settings[name]?.checks.length ?? 0) > 0);
    if (configured.length > 0) functions = functions.filter((f) => configured.includes(f.hook));
  }
}

if (values.region && values.account) {
  functions = functions.map((f) => ({
    ...f,
    functionRef: functionArn(f.functionRef, values.region!, values.account!, values.partition),
  }));
}

console.log(`# ECS appspec hooks for ${service}, stage ${stage} (from ${source})`);
console.log(formatAppspecHooks(functions));
