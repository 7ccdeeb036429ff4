import type { MetricDataQuery, StandardUnit } from '@aws-sdk/client-cloudwatch';
import type { CallBudget } from '../aws/call.js';
import type { CloudWatchPort } from '../aws/cloudwatch.js';
import type { Elbv2Port } from '../aws/elbv2.js';
import type { LambdaPort } from '../aws/lambda.js';
import type { Clock, Deadline, Sleep } from '../time.js';
import { type Environment, type Lookup, UnresolvedError } from './discovery.js';
import type { Measure, PreparedCheck } from './evaluate.js';
import type { HttpFetch } from './http-probe.js';
import { judgeAlarms, judgeHttp, judgeInvoke, judgeMetric, judgeTargetHealth, type Measurement } from './judge.js';
import type { AlarmsCheck, Check, CloudWatchCheck, HttpCheck, InvokeCheck, TargetHealthCheck } from './settings.js';
import { fillStrings, type Variable, VARIABLE_REF, variablesOf } from './variables.js';

/**
 * Turns a configured check into a measurement function: resolves what it needs from the
 * environment (listeners, target groups, variables) and binds the probe to the judge.
 */

export interface MeasureDeps {
  cloudwatch: CloudWatchPort;
  elbv2: Elbv2Port;
  lambda: LambdaPort;
  fetch: HttpFetch;
  clock: Clock;
  sleep: Sleep;
  /** When the checks must be over. */
  deadline: Deadline;
  random?: () => number;
}

/**
 * The budget of one AWS probe call: the measurement's signal carries the check's timeout and the
 * hook's deadline, so a throttled call is retried (as the SDK did on its own) only within the
 * measurement; a call that still fails makes the measurement an error, not a failure.
 */
const probeBudget = (check: Pick<Check, 'timeout'>, deps: MeasureDeps, signal: AbortSignal): CallBudget => ({
  deadline: deps.deadline,
  timeoutMs: check.timeout,
  signal,
  sleep: (ms) => deps.sleep(ms, signal),
  random: deps.random,
});

const valueOf = <T>(result: Lookup<T>, what: string): T => {
  if ('reason' in result) throw new UnresolvedError(`${what} could not be resolved: ${result.reason}`);
  return result.value;
};

const need = async <T>(lookup: Promise<Lookup<T>>, what: string): Promise<T> => valueOf(await lookup, what);

/**
 * Resolves the variables side by side (the hook's discovery allowance counts the longest chain of
 * calls, not their sum) and returns what replaces every `${variable}` in a text; fails when any
 * cannot be resolved, naming the first in order.
 */
const substituteAll = async (env: Environment, names: Variable[]): Promise<(text: string) => string> => {
  const lookups = await Promise.all(names.map((name) => env.variable(name)));
  const values = new Map(names.map((name, i) => [name as string, valueOf(lookups[i]!, `\${${name}}`)]));
  return (text) => text.replace(VARIABLE_REF, (_, name: string) => values.get(name) ?? '');
};

const prepareHttp = async (check: HttpCheck, env: Environment, deps: MeasureDeps): Promise<Measure> => {
  const target = check.target ?? 'test';
  // The listener is looked up side by side with the variables, as neither waits for the other.
  const [fill, listener] = await Promise.all([
    substituteAll(env, variablesOf(check)),
    check.url ? undefined : env.listener(target),
  ]);
  const endpoint = listener && valueOf(listener, `the ${target} listener`);
  const url = endpoint ? `${endpoint.baseUrl}${fill(check.path)}` : fill(check.url ?? '');
  const host = endpoint?.host;
  const headers = Object.fromEntries(Object.entries(check.headers).map(([k, v]) => [k, fill(v)]));
  const hasHost = Object.keys(headers).some((k) => k.toLowerCase() === 'host');
  if (host && !hasHost) headers.host = host;
  const servername = host?.replace(/:\d+$/, '');
  const body = check.body === undefined ? undefined : fill(check.body);
  return async (_attempt, signal) => {
    const started = deps.clock();
    const answer = await deps.fetch({ url, method: check.method, headers, body, signal, servername });
    return judgeHttp(answer, check.expect, Math.max(0, Math.round(deps.clock() - started)));
  };
};

const toQuery = (
  query: CloudWatchCheck['queries'][number],
  returnData: boolean,
  fill: (t: string) => string,
): MetricDataQuery => ({
  Id: query.id,
  Label: query.label,
  ReturnData: returnData,
  ...(query.metric
    ? {
        MetricStat: {
          Metric: {
            Namespace: query.metric.namespace,
            MetricName: query.metric.name,
            Dimensions: Object.entries(query.metric.dimensions).map(([Name, value]) => ({ Name, Value: fill(value) })),
          },
          Period: query.metric.period,
          Stat: query.metric.stat,
          Unit: query.metric.unit as StandardUnit | undefined,
        },
      }
    : { Expression: fill(query.expression ?? ''), Period: query.period }),
});

const prepareCloudWatch = async (check: CloudWatchCheck, env: Environment, deps: MeasureDeps): Promise<Measure> => {
  const fill = await substituteAll(env, variablesOf(check));
  const evaluated = check.evaluate ?? check.queries[check.queries.length - 1]!.id;
  // Only the judged query returns data: intermediate queries of a metric math expression stay internal.
  const queries = check.queries.map((q) => toQuery(q, q.id === evaluated, fill));
  return async (_attempt, signal): Promise<Measurement> => {
    const end = deps.clock();
    const results = await deps.cloudwatch.getMetricData(
      { queries, start: new Date(end - check.window), end: new Date(end) },
      probeBudget(check, deps, signal),
    );
    const series = results.find((r) => r.id === evaluated);
    if (series?.statusCode === 'InternalError' || series?.statusCode === 'Forbidden') {
      return {
        outcome: 'error',
        reason: `GetMetricData answered ${series.statusCode} for ${evaluated}: ${series.messages.join('; ') || 'no message'}`,
      };
    }
    return judgeMetric(series, check);
  };
};

const prepareAlarms = async (check: AlarmsCheck, env: Environment, deps: MeasureDeps): Promise<Measure> => {
  const [fill, fromGroup] = await Promise.all([
    substituteAll(env, variablesOf(check)),
    check.fromDeploymentGroup ? need(env.deploymentGroupAlarms(), "the deployment group's alarms") : [],
  ]);
  const names = [...new Set([...check.alarms.map(fill), ...fromGroup])];
  if (names.length === 0) throw new UnresolvedError('no alarms to watch: the deployment group has none configured');
  return async (_attempt, signal) =>
    judgeAlarms(await deps.cloudwatch.describeAlarms(names, probeBudget(check, deps, signal)), names);
};

const prepareTargetHealth = async (check: TargetHealthCheck, env: Environment, deps: MeasureDeps): Promise<Measure> => {
  const group = await need(env.targetGroup(check.targetGroup), `target group ${check.targetGroup}`);
  return async (_attempt, signal) =>
    judgeTargetHealth(
      await deps.elbv2.getTargetHealth(group.arn, probeBudget(check, deps, signal)),
      check.minHealthyPercent,
      group.name,
    );
};

const prepareInvoke = async (check: InvokeCheck, env: Environment, deps: MeasureDeps): Promise<Measure> => {
  const [fn, fill] = await Promise.all([
    need(env.lambdaFunction(), "the deployment's Lambda function"),
    substituteAll(env, variablesOf(check)),
  ]);
  // The role may invoke only the functions the settings name, and the check names the one it judges.
  if (fn.functionName !== check.function) {
    throw new UnresolvedError(
      `the deployment shifts traffic for ${fn.functionName}, but the check invokes ${check.function}: name ${fn.functionName} in function`,
    );
  }
  const payload = JSON.stringify(fillStrings(check.payload, fill));
  return async (_attempt, signal) => {
    const started = deps.clock();
    // The target version, never the alias: before traffic moves the alias still runs the current version.
    const answer = await deps.lambda.invoke(
      { functionName: fn.functionName, qualifier: fn.targetVersion, payload },
      // One attempt: an invocation that timed out may still be running, and must not run twice.
      { ...probeBudget(check, deps, signal), attempts: 1 },
    );
    return judgeInvoke(answer, check.expect, fn.targetVersion, Math.max(0, Math.round(deps.clock() - started)));
  };
};

/** A check bound to its probe, or the reason its inputs could not be resolved. */
export const prepareCheck = async (check: Check, env: Environment, deps: MeasureDeps): Promise<PreparedCheck> => {
  try {
    switch (check.type) {
      case 'http':
        return { check, measure: await prepareHttp(check, env, deps) };
      case 'cloudwatch':
        return { check, measure: await prepareCloudWatch(check, env, deps) };
      case 'alarms':
        return { check, measure: await prepareAlarms(check, env, deps) };
      case 'targetHealth':
        return { check, measure: await prepareTargetHealth(check, env, deps) };
      case 'invoke':
        return { check, measure: await prepareInvoke(check, env, deps) };
    }
  } catch (error) {
    if (error instanceof UnresolvedError) return { check, unresolved: error.message };
    throw error;
  }
};
