import { functionTimeoutSeconds, worstCaseMs } from './budget.js';
import { HOOK_NAMES, HOOKS, type HookName, type Platform } from './hooks.js';
import type { Check, DiscoveryOverrides, GroupSettings, HookSettings, HooksSettings } from './settings.js';
import { PLATFORM_VARIABLES, variablesOf } from './variables.js';

/**
 * Which checks a hook runs for a deployment group. One hook function serves every deployment group
 * of the account whose appspec names it, so the settings choose its checks by the group CodeDeploy
 * invokes it for: `hooks.groups` keys (`application/deploymentGroup`, exact names or `*` patterns),
 * most specific first, then the account-wide `hooks.<Hook>` keys.
 */

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

const globMatches = (pattern: string, name: string): boolean =>
  new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(name);

const split = (key: string): [string, string] => {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
};

/** Whether a `hooks.groups` key names one group, without patterns. */
export const isExactGroupKey = (key: string): boolean => !key.includes('*');

/** Whether a `hooks.groups` key matches a deployment group. */
export const groupKeyMatches = (key: string, application: string, deploymentGroup: string): boolean => {
  const [app, group] = split(key);
  return globMatches(app, application) && globMatches(group, deploymentGroup);
};

/**
 * How specific a key is, compared field by field: an exact application first, then an exact
 * group, then the most literal characters (`orders/orders-*` before `orders/*`).
 */
const specificity = (key: string): [number, number, number] => {
  const [app, group] = split(key);
  return [app.includes('*') ? 0 : 1, group.includes('*') ? 0 : 1, key.replace(/\*/g, '').length];
};

const moreSpecificFirst = (a: string, b: string): number => {
  const [x, y] = [specificity(a), specificity(b)];
  for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return y[i]! - x[i]!;
  return 0;
};

/** The `hooks.groups` entries that match a deployment group, most specific first (file order breaks ties). */
export const matchingGroups = (
  settings: Pick<HooksSettings, 'groups'>,
  application: string,
  deploymentGroup: string,
): Array<[string, GroupSettings]> =>
  Object.entries(settings.groups)
    .filter(([key]) => groupKeyMatches(key, application, deploymentGroup))
    .sort(([a], [b]) => moreSpecificFirst(a, b));

/** The settings key of a group entry, as messages name it. */
export const groupSettingsKey = (key: string): string => `hooks.groups["${key}"]`;

/** What a hook runs for one deployment group, and where in the settings that came from. */
export interface HookSelection {
  checks: Check[];
  timeoutSeconds?: number;
  /** The account-wide overrides with those of every matching group entry over them, most specific last. */
  discovery: DiscoveryOverrides;
  /** The platform the most specific matching entry that names one gives. */
  platform?: Platform;
  /** Whether a hook without checks for this group reports Succeeded. */
  allowUnchecked: boolean;
  /** The settings key the checks came from; undefined when no key sets this hook for the group. */
  source?: string;
}

/** The checks a hook runs for a deployment group (pure). */
export const selectHook = (
  settings: HooksSettings,
  hook: HookName,
  application: string,
  deploymentGroup: string,
): HookSelection => {
  const matches = matchingGroups(settings, application, deploymentGroup);
  const own = matches.find(([, group]) => group[hook] !== undefined);
  const hookSettings: HookSettings | undefined = own ? own[1][hook] : settings[hook];
  const source = own ? `${groupSettingsKey(own[0])}.${hook}` : settings[hook] ? `hooks.${hook}` : undefined;
  return {
    checks: hookSettings?.checks ?? [],
    timeoutSeconds: hookSettings?.timeoutSeconds,
    discovery: Object.assign({}, settings.discovery, ...[...matches].reverse().map(([, g]) => g.discovery ?? {})),
    platform: matches.find(([, group]) => group.platform !== undefined)?.[1].platform,
    allowUnchecked: matches.find(([, group]) => group.allowUnchecked !== undefined)?.[1].allowUnchecked ?? false,
    source,
  };
};

/** Why a hook without checks for a group fails, naming the keys that would change that. */
export const uncheckedReason = (hook: HookName, application: string, deploymentGroup: string): string => {
  const key = groupSettingsKey(`${application}/${deploymentGroup}`);
  return (
    `no ${hook} checks for deployment group ${application}/${deploymentGroup}: add them under ${key}.${hook}.checks ` +
    `(or hooks.${hook}.checks for every group), or set ${key}.allowUnchecked: true to let it pass unchecked`
  );
};

/** Every configuration of a hook in the settings (account-wide and per group entry), with its discovery overrides. */
export const hookConfigurations = (
  settings: HooksSettings,
  hook: HookName,
): Array<{ key?: string; settings: HookSettings; discovery: DiscoveryOverrides }> => [
  ...(settings[hook] ? [{ settings: settings[hook], discovery: settings.discovery }] : []),
  ...Object.entries(settings.groups)
    .filter(([, group]) => group[hook] !== undefined)
    .map(([key, group]) => ({
      key,
      settings: group[hook]!,
      discovery: { ...settings.discovery, ...group.discovery },
    })),
];

/** The longest any configuration of a hook can take: what its function's timeout must cover. */
export const hookWorstCaseMs = (settings: HooksSettings, hook: HookName): number =>
  Math.max(0, ...hookConfigurations(settings, hook).map((c) => worstCaseMs(c.settings, c.discovery)));

/** The timeout of a hook's function: enough for every configuration of the hook. */
export const hookFunctionTimeoutSeconds = (settings: HooksSettings, hook: HookName): number =>
  Math.max(
    functionTimeoutSeconds({ checks: [] }),
    ...hookConfigurations(settings, hook).map((c) => functionTimeoutSeconds(c.settings, c.discovery)),
  );

/** The Lambda functions a hook's invoke checks name, sorted: the only ones its role may invoke. */
export const invokedFunctions = (settings: HooksSettings, hook: HookName): string[] =>
  [
    ...new Set(
      hookConfigurations(settings, hook).flatMap((c) =>
        c.settings.checks.flatMap((check) => (check.type === 'invoke' ? [check.function] : [])),
      ),
    ),
  ].sort();

/** Why a check cannot run on a platform, or undefined when it can. */
export const platformProblem = (check: Check, platform: Platform): string | undefined => {
  const foreign = variablesOf(check).filter((name) =>
    Object.entries(PLATFORM_VARIABLES).some(([p, names]) => p !== platform && names.has(name)),
  );
  const uses = foreign.length > 0 ? `uses ${foreign.map((v) => `\${${v}}`).join(', ')}, which ` : undefined;
  if (platform === 'Lambda') {
    if (check.type === 'http' && !check.url)
      return `probes the ${check.target ?? 'test'} listener, which only ECS deployments have (give a url instead)`;
    if (check.type === 'targetHealth') return 'watches a target group, which only ECS deployments have';
    if (uses) return `${uses}only ECS deployments have`;
  } else {
    if (check.type === 'invoke')
      return "invokes a Lambda function's target version, which only Lambda deployments have";
    if (uses) return `${uses}only Lambda deployments have`;
  }
  return undefined;
};

/** The first check of a selection its platform cannot run, as one sentence, or undefined. */
export const selectionPlatformProblem = (checks: Check[], platform: Platform): string | undefined => {
  for (const check of checks) {
    const problem = platformProblem(check, platform);
    if (problem) return `check "${check.name}" ${problem}`;
  }
  return undefined;
};

/** A problem found when packaging, with its path under `hooks`. */
export interface SettingsIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * What a hook runs for the groups of one `hooks.groups` key: an exact key is resolved as the hook
 * resolves it at run time; a pattern gives its own checks, or else the account-wide ones.
 */
const selectForKey = (
  settings: HooksSettings,
  key: string,
  hook: HookName,
): Pick<HookSelection, 'checks' | 'source'> => {
  const group = settings.groups[key]!;
  if (isExactGroupKey(key)) return selectHook(settings, hook, ...split(key));
  if (group[hook]) return { checks: group[hook].checks, source: `${groupSettingsKey(key)}.${hook}` };
  return { checks: settings[hook]?.checks ?? [], source: settings[hook] ? `hooks.${hook}` : undefined };
};

/** The platform of the groups of one key, when the settings give it. */
const platformForKey = (settings: HooksSettings, key: string): Platform | undefined =>
  isExactGroupKey(key) ? selectHook(settings, HOOK_NAMES[0]!, ...split(key)).platform : settings.groups[key]!.platform;

const runsOn = (hook: (typeof HOOKS)[number], platform: Platform | undefined) =>
  !platform || (hook.platforms as readonly Platform[]).includes(platform);

/**
 * What a group entry whose platform is known asks of hooks or checks that platform cannot run,
 * inherited checks included.
 */
export const platformIssues = (settings: HooksSettings, key: string): SettingsIssue[] => {
  const group = settings.groups[key]!;
  const platform = platformForKey(settings, key);
  if (!platform) return [];
  const issues: SettingsIssue[] = [];
  const runs = HOOKS.filter((h) => runsOn(h, platform)).map((h) => h.name);
  for (const hook of HOOKS) {
    if (!runsOn(hook, platform)) {
      if (group[hook.name])
        issues.push({
          path: ['groups', key, hook.name],
          message: `${platform} deployments run only the ${runs.join(' and ')} hooks, so these checks would never run`,
        });
      continue;
    }
    const selection = selectForKey(settings, key, hook.name);
    const own = selection.source === `${groupSettingsKey(key)}.${hook.name}`;
    selection.checks.forEach((check, i) => {
      const problem = platformProblem(check, platform);
      if (!problem) return;
      issues.push(
        own
          ? {
              path: ['groups', key, hook.name, 'checks', i],
              message: `on ${platform} deployments this check ${problem}`,
            }
          : {
              path: ['groups', key, 'platform'],
              message:
                `${key} deploys on ${platform}, but its ${hook.name} checks come from ${selection.source}, where check "${check.name}" ${problem}: ` +
                `give ${groupSettingsKey(key)}.${hook.name} checks of its own`,
            },
      );
    });
  }
  return issues;
};

/** What `npm run appspec` shows per configured group: its platform and the hooks with checks, own or inherited. */
export const groupHooks = (
  settings: HooksSettings,
): Array<{ key: string; platform?: Platform; hooks: Array<{ hook: HookName; source: string; checks: number }> }> =>
  Object.keys(settings.groups).map((key) => {
    const platform = platformForKey(settings, key);
    const hooks = HOOKS.filter((h) => runsOn(h, platform)).flatMap((h) => {
      const { checks, source } = selectForKey(settings, key, h.name);
      return checks.length > 0 && source ? [{ hook: h.name, source, checks: checks.length }] : [];
    });
    return { key, platform, hooks };
  });
