import type { Platform } from './hooks.js';
import type { Check } from './settings.js';

/** Values a check may reference as `${name}`; each is discovered from the deployment or overridden. */
export const VARIABLES = [
  'deploymentId',
  'applicationName',
  'deploymentGroupName',
  /** CloudWatch dimension form, `targetgroup/<name>/<id>`. */
  'greenTargetGroup',
  'blueTargetGroup',
  'greenTargetGroupName',
  'blueTargetGroupName',
  /** CloudWatch dimension form of the production listener's load balancer, `app/<name>/<id>`. */
  'loadBalancer',
  /** Lambda deployments: the function, its alias, and the versions traffic moves from and to. */
  'functionName',
  'functionAlias',
  'currentVersion',
  'targetVersion',
] as const;
/** A variable name. */
export type Variable = (typeof VARIABLES)[number];

/** The variables only one platform's deployments can fill; the others fill on every platform. */
export const PLATFORM_VARIABLES: Record<Platform, ReadonlySet<Variable>> = {
  ECS: new Set(['greenTargetGroup', 'blueTargetGroup', 'greenTargetGroupName', 'blueTargetGroupName', 'loadBalancer']),
  Lambda: new Set(['functionName', 'functionAlias', 'currentVersion', 'targetVersion']),
};

/** A `${name}` reference in a template string. */
export const VARIABLE_REF = /\$\{([^}]*)\}/g;

/** The variable names a template string refers to. */
export const variablesIn = (text: string): string[] => [...text.matchAll(VARIABLE_REF)].map((m) => m[1] ?? '');

/** Every string inside a JSON value (an invoke payload), keys excluded. */
export const stringsIn = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
};

/** The JSON value with `fill` applied to every string inside it. */
export const fillStrings = (value: unknown, fill: (text: string) => string): unknown => {
  if (typeof value === 'string') return fill(value);
  if (Array.isArray(value)) return value.map((v) => fillStrings(v, fill));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillStrings(v, fill)]));
  return value;
};

/** The texts of a check that may hold `${variables}`: what its probe sends or asks for. */
export const templatedTexts = (check: Check): string[] => {
  switch (check.type) {
    case 'http':
      return [check.url ?? '', check.path, check.body ?? '', ...Object.values(check.headers)];
    case 'cloudwatch':
      return check.queries.flatMap((q) => [q.expression ?? '', ...Object.values(q.metric?.dimensions ?? {})]);
    case 'alarms':
      return check.alarms;
    case 'invoke':
      return stringsIn(check.payload);
    case 'targetHealth':
      return [];
  }
};

/** The variables a check uses, each once (the settings schema has already rejected unknown names). */
export const variablesOf = (check: Check): Variable[] =>
  [...new Set(templatedTexts(check).flatMap(variablesIn))] as Variable[];
