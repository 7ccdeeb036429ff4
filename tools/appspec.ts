import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type CommandIo, isMain, processIo, runCommand, UsageError } from './cli.js';
import {
  formatAppspecHooks,
  formatGroupHooks,
  formatSamDeploymentPreference,
  functionArn,
  type GroupHooksLine,
  type HookFunction,
  hookFunctionsByConvention,
  hookFunctionsFromTemplate,
  LAMBDA_HOOKS,
} from './appspec/hooks.js';
import { groupHooks, hookConfigurations } from '../lib/hooks/groups.js';
import { HOOK_NAMES } from '../lib/hooks/hooks.js';
import { parseHooksSettings } from '../lib/hooks/settings.js';

/**
 * Prints the appspec `Hooks:` sections of ECS and Lambda deployments for a stage, SAM's
 * `DeploymentPreference` for a function, and the hooks each configured deployment group uses:
 *
 *   npm run appspec -- --stage prod [--service deploy-sentinel]
 *        [--template .serverless/cloudformation-template-update-stack.json]
 *        [--settings settings/prod.yml] [--region eu-west-1 --account 123456789012]
 *
 * Function names come from the packaged template when there is one, otherwise from the naming
 * convention the stack outputs follow. With --region and --account it prints unqualified ARNs.
 * When the stage's settings file configures hooks, only hooks with checks (account-wide or in a
 * group) are listed.
 */

const root = join(import.meta.dirname, '..');

/** The one-line usage, printed on bad arguments and --help. */
export const USAGE =
  'usage: npm run appspec -- --stage STAGE [--service NAME] [--template FILE] [--settings FILE] [--region REGION --account ID] [--partition aws]';

const OPTIONS = {
  stage: { type: 'string' },
  service: { type: 'string' },
  template: { type: 'string' },
  settings: { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  partition: { type: 'string', default: 'aws' },
} as const;

// A regular expression, not a YAML parse: serverless.yml holds CloudFormation tags (!GetAtt, !Sub).
const serviceFromServerlessYml = (): string | undefined => {
  const file = join(root, 'serverless.yml');
  return existsSync(file) ? /^service:\s*['"]?([\w-]+)/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
};

/** Prints the Hooks section; returns the exit code (0 printed, 2 bad usage or input). */
export const runAppspecCli = (argv: string[], io: CommandIo = processIo): Promise<number> =>
  runCommand(
    argv,
    { usage: USAGE, options: OPTIONS },
    (values) => {
      if (!values.stage) throw new UsageError('--stage is required');
      if (Boolean(values.region) !== Boolean(values.account))
        throw new UsageError('give --region and --account together, or neither');
      const stage = values.stage;
      const service = values.service ?? serviceFromServerlessYml() ?? 'deploy-sentinel';

      const templatePath = values.template ?? join(root, '.serverless', 'cloudformation-template-update-stack.json');
      if (values.template && !existsSync(values.template))
        throw new UsageError(`template ${values.template} not found`);
      const packaged = existsSync(templatePath)
        ? hookFunctionsFromTemplate(JSON.parse(readFileSync(templatePath, 'utf8')), service, stage)
        : [];
      if (values.template && packaged.length === 0)
        throw new UsageError(`${values.template} holds no hook functions for ${service}-${stage}`);
      // The default template may belong to another stage: then the naming convention applies.
      let functions: HookFunction[] = packaged;
      if (packaged.length === 0) {
        try {
          functions = hookFunctionsByConvention(service, stage);
        } catch (error) {
          throw new UsageError((error as Error).message);
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
      if (values.settings && !existsSync(values.settings))
        throw new UsageError(`settings ${values.settings} not found`);
      let groups: GroupHooksLine[] = [];
      if (settingsPath) {
        const settings = parseHooksSettings(
          (parseYaml(readFileSync(settingsPath, 'utf8')) as { hooks?: unknown } | null)?.hooks,
        );
        if (settings instanceof Error) throw new UsageError(`${settingsPath}: ${settings.message}`);
        const configured = HOOK_NAMES.filter((name) =>
          hookConfigurations(settings, name).some((c) => c.settings.checks.length > 0),
        );
        if (configured.length > 0) functions = functions.filter((f) => configured.includes(f.hook));
        groups = groupHooks(settings);
      }

      if (values.region && values.account) {
        const { region, account, partition } = values;
        functions = functions.map((f) => ({
          ...f,
          functionRef: functionArn(f.functionRef, region, account, partition),
        }));
      }

      io.stdout(`# ECS appspec hooks for ${service}, stage ${stage} (from ${source})`);
      io.stdout(formatAppspecHooks(functions));
      const lambda = functions.filter((f) => LAMBDA_HOOKS.includes(f.hook));
      if (lambda.length > 0) {
        io.stdout('');
        io.stdout('# Lambda appspec hooks (a Lambda deployment runs only these two)');
        io.stdout(formatAppspecHooks(lambda));
        io.stdout('');
        io.stdout(
          "# SAM: the function's DeploymentPreference (PreTraffic = BeforeAllowTraffic, PostTraffic = AfterAllowTraffic)",
        );
        io.stdout(formatSamDeploymentPreference(lambda));
      }
      if (groups.length > 0) {
        io.stdout('');
        io.stdout(`# Deployment groups configured in ${settingsPath} (hooks.groups) and the hooks they use:`);
        io.stdout(formatGroupHooks(groups));
      }
      return 0;
    },
    io,
  );

if (isMain(import.meta.url)) {
  process.exitCode = await runAppspecCli(process.argv.slice(2));
}
