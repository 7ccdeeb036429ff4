'use strict';
/**
 * `serverless invoke local` turns a function's environment that names a resource with `Ref` (or an
 * export with `Fn::ImportValue`) into its value by asking CloudFormation, and refuses anything else
 * (oss-serverless/osls, lib/plugins/aws/invoke-local). The stream's name is an `Fn::If` on the
 * stage's parameters: for that command, each `Fn::If` of an environment takes the branch its
 * condition chooses, which the parameters, resolved by then, decide alone.
 */

/**
 * Whether a condition holds: `Fn::Equals` of two values, `Fn::And`, `Fn::Or`, `Fn::Not`, and
 * `{ Condition: name }` (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html);
 * undefined when it depends on anything else (a `Ref` to a resource, a pseudo parameter).
 */
const conditionHolds = (condition, conditions, seen = new Set()) => {
  if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const [[fn, args] = []] = Object.entries(condition);
  if (Object.keys(condition).length !== 1) return undefined;
  const all = (values) => values.map((c) => conditionHolds(c, conditions, seen));
  switch (fn) {
    case 'Condition': {
      if (typeof args !== 'string' || seen.has(args) || !(args in conditions)) return undefined;
      return conditionHolds(conditions[args], conditions, new Set([...seen, args]));
    }
    case 'Fn::Equals': {
      const literal = (v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
      if (!Array.isArray(args) || args.length !== 2 || !args.every(literal)) return undefined;
      return String(args[0]) === String(args[1]);
    }
    case 'Fn::And':
    case 'Fn::Or': {
      if (!Array.isArray(args)) return undefined;
      const values = all(args);
      if (values.includes(undefined)) return undefined;
      return fn === 'Fn::And' ? values.every(Boolean) : values.some(Boolean);
    }
    case 'Fn::Not': {
      if (!Array.isArray(args) || args.length !== 1) return undefined;
      const value = conditionHolds(args[0], conditions, seen);
      return value === undefined ? undefined : !value;
    }
    default:
      return undefined;
  }
};

/** An environment with each `Fn::If` whose condition can be decided replaced by its chosen branch. */
const chooseBranches = (environment, conditions) =>
  Object.fromEntries(
    Object.entries(environment).map(([name, value]) => {
      const branches = value && typeof value === 'object' ? value['Fn::If'] : undefined;
      if (!Array.isArray(branches) || branches.length !== 3) return [name, value];
      const holds = conditionHolds({ Condition: branches[0] }, conditions);
      return [name, holds === undefined ? value : holds ? branches[1] : branches[2]];
    }),
  );

module.exports = { conditionHolds, chooseBranches };
