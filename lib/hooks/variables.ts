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
] as const;
/** A variable name. */
export type Variable = (typeof VARIABLES)[number];

/** A `${name}` reference in a template string. */
export const VARIABLE_REF = /\$\{([^}]*)\}/g;

/** The variable names a template string refers to. */
export const variablesIn = (text: string): string[] => [...text.matchAll(VARIABLE_REF)].map((m) => m[1] ?? '');

/** The texts of a check that may hold `${variables}`: what its probe sends or asks for. */
export const templatedTexts = (check: Check): string[] => {
  switch (check.type) {
    case 'http':
      return [check.url ?? '', check.path, check.body ?? '', ...Object.values(check.headers)];
    case 'cloudwatch':
      return check.queries.flatMap((q) => [q.expression ?? '', ...Object.values(q.metric?.dimensions ?? {})]);
    case 'alarms':
    case 'targetHealth':
      return [];
  }
};

/** The variables a check uses, each once (the settings schema has already rejected unknown names). */
export const variablesOf = (check: Check): Variable[] =>
  [...new Set(templatedTexts(check).flatMap(variablesIn))] as Variable[];
