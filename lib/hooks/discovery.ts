import type { CallBudget } from '../aws/call.js';
import type { CodeDeployPort } from '../aws/codedeploy.js';
import type { Elbv2Port } from '../aws/elbv2.js';
import { errorText } from '../aws/errors.js';
import { DeadlineExceededError } from '../retry.js';
import type { Clock, Deadline, Sleep } from '../time.js';
import { DISCOVERY_CALL_TIMEOUT_MS } from './budget.js';
import type { DiscoveryOverrides } from './settings.js';
import type { Variable } from './variables.js';

/**
 * What a hook probes, found from the deployment (CodeDeploy) and the load balancer (ELBv2), or
 * taken from the settings' `discovery` overrides. Every value is looked up only when a check asks
 * for it, at most once per invocation, and is either found or comes with the reason it was not:
 * a check that needs a value that was not found fails (fail closed).
 */

/** A value that was found, or the reason it was not. */
export type Lookup<T> = { value: T } | { reason: string };

/** A listener to probe: its base URL and the Host / TLS server name to send, if overridden. */
export interface Endpoint {
  baseUrl: string;
  host?: string;
}

/** A target group by ARN, with its name for messages. */
export interface TargetGroupRef {
  arn: string;
  name: string;
}

/** Which listener of the deployment group. */
export type TrafficRole = 'test' | 'production';
/** The replacement (green) or original (blue) task set. */
export type Color = 'green' | 'blue';

/** What GetDeployment says about the deployment a hook runs for. */
export interface DeploymentFacts {
  applicationName: string;
  deploymentGroupName: string;
  /** `ECS`, `Lambda` or `Server` (EC2/on-premises), as CodeDeploy names it. */
  computePlatform?: string;
}

/** A Lambda deployment's function and the versions traffic moves between, all known. */
export interface LambdaFunctionFacts {
  functionName: string;
  functionAlias: string;
  currentVersion: string;
  targetVersion: string;
}

/** The lookups checks can ask for. */
export interface Environment {
  deployment(): Promise<Lookup<DeploymentFacts>>;
  lambdaFunction(): Promise<Lookup<LambdaFunctionFacts>>;
  listener(role: TrafficRole): Promise<Lookup<Endpoint>>;
  targetGroup(which: Color | string): Promise<Lookup<TargetGroupRef>>;
  deploymentGroupAlarms(): Promise<Lookup<string[]>>;
  variable(name: Variable): Promise<Lookup<string>>;
}

/** Identifies the deployment the hook runs for. */
export interface DeploymentIds {
  deploymentId: string;
}

/** A function name from a name or an ARN, without a version or alias. */
export const bareFunctionName = (nameOrArn: string): string =>
  nameOrArn.includes(':function:') ? (nameOrArn.split(':function:')[1]?.split(':')[0] ?? nameOrArn) : nameOrArn;

/** What discovery needs: the CodeDeploy and ELBv2 ports, and time for its calls. */
export interface DiscoveryDeps {
  codedeploy: CodeDeployPort;
  elbv2: Elbv2Port;
  clock: Clock;
  sleep: Sleep;
  /** When the checks must be over: no discovery call outlives it. */
  deadline: Deadline;
  random?: () => number;
}

/** Raised for a value a check needs that cannot be found; its message is the reason. */
export class UnresolvedError extends Error {
  override name = 'UnresolvedError';
}

// Pure helpers ------------------------------------------------------------------------------------

/** The resource part of an ELBv2 ARN, which is the CloudWatch dimension value (`app/x/id`, `targetgroup/x/id`). */
export const dimensionOf = (arn: string): string => {
  const resource = arn.split(':').slice(5).join(':');
  return resource.replace(/^loadbalancer\//, '');
};

/** A target group's name from its ARN (`.../targetgroup/<name>/<id>`). */
export const targetGroupNameOf = (arn: string): string => arn.split(':').slice(5).join(':').split('/')[1] ?? arn;

/** The scheme a listener protocol is probed with; UDP and friends cannot be probed over HTTP. */
export const schemeOf = (protocol: string | undefined): 'http' | 'https' | undefined =>
  protocol === 'HTTP' || protocol === 'TCP' ? 'http' : protocol === 'HTTPS' || protocol === 'TLS' ? 'https' : undefined;

/** The base URL of a listener on a load balancer, e.g. `http://internal-orders.elb.amazonaws.com:8080`. */
export const listenerUrl = (scheme: 'http' | 'https', dnsName: string, port: number): string => {
  const standard = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443);
  return `${scheme}://${dnsName}${standard ? '' : `:${port}`}`;
};

/**
 * The reason a discovery call failed: "got no answer" when it timed out, or was still waiting at
 * the hook's deadline; otherwise the error. A call that gave up at the end of its allowance names
 * the last error it had.
 */
const failureOf = (operation: string, error: unknown): string => {
  const gaveUp = error instanceof DeadlineExceededError && error.cause !== undefined;
  const last = gaveUp ? error.cause : error;
  const name = (last as { name?: unknown } | undefined)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return `${operation} got no answer`;
  return `${operation} failed: ${errorText(last)}${gaveUp ? ` (${error.message})` : ''}`;
};

const found = <T>(value: T): Lookup<T> => ({ value });
const missing = (reason: string): Lookup<never> => ({ reason });

// The environment -----------------------------------------------------------------------------------

/**
 * Memoised lookups over CodeDeploy and ELBv2 for one hook invocation; `signal` ends them all. An
 * environment made with other overrides (those of the group, once known) shares `memo`, so no
 * call is made twice.
 */
export const createEnvironment = (
  ids: DeploymentIds,
  overrides: DiscoveryOverrides,
  deps: DiscoveryDeps,
  signal: AbortSignal,
  memo: Map<string, Promise<unknown>> = new Map(),
): Environment => {
  const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
    if (!memo.has(key)) memo.set(key, load());
    return memo.get(key) as Promise<T>;
  };
  /**
   * One call's budget: the hook's timeout allows DISCOVERY_CALL_TIMEOUT_MS for each call of the
   * longest chain (budget.ts), so a throttled call is retried, but only within that much time from
   * its start, and never past the checks' deadline.
   */
  const budget = (): CallBudget => {
    const ends = deps.clock() + DISCOVERY_CALL_TIMEOUT_MS;
    return {
      deadline: { remainingMs: () => Math.min(deps.deadline.remainingMs(), ends - deps.clock()) },
      timeoutMs: DISCOVERY_CALL_TIMEOUT_MS,
      signal,
      sleep: (ms) => deps.sleep(ms, signal),
      random: deps.random,
    };
  };
  const call = async <T>(operation: string, send: (budget: CallBudget) => Promise<T>): Promise<T> => {
    try {
      return await send(budget());
    } catch (error) {
      throw new UnresolvedError(failureOf(operation, error), { cause: error });
    }
  };
  const settle = async <T>(load: () => Promise<T>): Promise<Lookup<T>> => {
    try {
      return found(await load());
    } catch (error) {
      if (error instanceof UnresolvedError) return missing(error.message);
      throw error;
    }
  };

  const deployment = () =>
    once('deployment', async () => {
      const details = await call('GetDeployment', (b) => deps.codedeploy.getDeployment(ids.deploymentId, b));
      if (!details) {
        throw new UnresolvedError(
          `GetDeployment failed: DeploymentDoesNotExistException: deployment ${ids.deploymentId} does not exist`,
        );
      }
      if (!details.application || !details.deploymentGroup) {
        throw new UnresolvedError(`GetDeployment(${ids.deploymentId}) names no application and deployment group`);
      }
      return {
        applicationName: details.application,
        deploymentGroupName: details.deploymentGroup,
        computePlatform: details.computePlatform,
      };
    });

  // CodeDeploy does not document the id of a Lambda deployment's target, so it is listed: a
  // Lambda deployment has one target, its function.
  const lambdaFunction = () =>
    once('lambdaFunction', async (): Promise<LambdaFunctionFacts> => {
      const targetIds = await call('ListDeploymentTargets', (b) =>
        deps.codedeploy.listDeploymentTargetIds(ids.deploymentId, b),
      );
      if (targetIds.length !== 1) {
        throw new UnresolvedError(
          `deployment ${ids.deploymentId} has ${targetIds.length} targets; a Lambda deployment has one, its function`,
        );
      }
      const target = await call('GetDeploymentTarget', (b) =>
        deps.codedeploy.getLambdaTarget(ids.deploymentId, targetIds[0]!, b),
      );
      const { functionName, functionAlias, currentVersion, targetVersion } = target;
      if (!functionName || !functionAlias || !currentVersion || !targetVersion) {
        throw new UnresolvedError(
          `deployment target ${targetIds[0]} (${target.targetType ?? 'unknown'}) does not name a Lambda function, alias, current and target version`,
        );
      }
      return { functionName: bareFunctionName(functionName), functionAlias, currentVersion, targetVersion };
    });

  const deploymentGroup = () =>
    once('deploymentGroup', async () => {
      const { applicationName, deploymentGroupName } = await deployment();
      const name = `${applicationName}/${deploymentGroupName}`;
      const group = await call('GetDeploymentGroup', (b) =>
        deps.codedeploy.getDeploymentGroup(applicationName, deploymentGroupName, b),
      );
      if (!group) throw new UnresolvedError(`GetDeploymentGroup failed: deployment group ${name} does not exist`);
      return { ...group, name };
    });

  const taskSets = () =>
    once('taskSets', async () => {
      const group = await deploymentGroup();
      if (!group.ecsService) throw new UnresolvedError(`deployment group ${group.name} names no ECS service`);
      // An ECS deployment target's id is `<cluster>:<service>`.
      const targetId = `${group.ecsService.clusterName}:${group.ecsService.serviceName}`;
      const sets = await call('GetDeploymentTarget', (b) =>
        deps.codedeploy.getEcsTaskSets(ids.deploymentId, targetId, b),
      );
      if (sets.taskSetCount === 0) {
        throw new UnresolvedError(
          `deployment target ${targetId} (${sets.targetType ?? 'unknown'}) exposes no task sets, as with CloudFormation-driven deployments; ` +
            'set hooks.discovery.greenTargetGroup / blueTargetGroup',
        );
      }
      return sets;
    });

  const targetGroupByName = (name: string) =>
    once(`targetGroup:${name}`, async (): Promise<TargetGroupRef> => {
      const arn = await call(`DescribeTargetGroups(${name})`, (b) => deps.elbv2.getTargetGroupArn(name, b));
      if (!arn) throw new UnresolvedError(`target group ${name} not found`);
      return { arn, name };
    });

  const targetGroupRef = (nameOrArn: string) =>
    nameOrArn.startsWith('arn:')
      ? Promise.resolve({ arn: nameOrArn, name: targetGroupNameOf(nameOrArn) })
      : targetGroupByName(nameOrArn);

  const colorTargetGroup = (color: Color) =>
    once(`color:${color}`, async (): Promise<TargetGroupRef> => {
      const override = color === 'green' ? overrides.greenTargetGroup : overrides.blueTargetGroup;
      if (override) return targetGroupRef(override);
      const name = (await taskSets())[color];
      if (!name)
        throw new UnresolvedError(
          `the deployment's task sets have no ${color === 'green' ? 'Green' : 'Blue'} task set`,
        );
      return targetGroupByName(name);
    });

  const listenerArn = async (role: TrafficRole) => {
    const group = await deploymentGroup();
    const arn = role === 'test' ? group.testListenerArn : group.prodListenerArn;
    if (!arn) {
      throw new UnresolvedError(
        `deployment group ${group.name} has no ${role === 'test' ? 'test' : 'production'} traffic route; set hooks.discovery.${role === 'test' ? 'testListener' : 'productionListener'}.url`,
      );
    }
    return arn;
  };

  const listener = (arn: string) =>
    once(`listener:${arn}`, async () => {
      const facts = await call('DescribeListeners', (b) => deps.elbv2.getListener(arn, b));
      if (!facts) throw new UnresolvedError(`listener ${arn} not found`);
      return facts;
    });

  const loadBalancerDns = (arn: string) =>
    once(`loadBalancer:${arn}`, async () => {
      const dns = await call('DescribeLoadBalancers', (b) => deps.elbv2.getLoadBalancerDnsName(arn, b));
      if (!dns) throw new UnresolvedError(`load balancer ${arn} has no DNS name`);
      return dns;
    });

  const endpoint = (role: TrafficRole) =>
    once(`endpoint:${role}`, async (): Promise<Endpoint> => {
      const override = role === 'test' ? overrides.testListener : overrides.productionListener;
      if (override?.url) return { baseUrl: override.url.replace(/\/$/, ''), host: override.host };
      const l = await listener(await listenerArn(role));
      const scheme = schemeOf(l.protocol);
      if (!scheme)
        throw new UnresolvedError(`the ${role} listener speaks ${l.protocol}, which cannot be probed over HTTP`);
      const dns = await loadBalancerDns(l.loadBalancerArn);
      return { baseUrl: listenerUrl(scheme, dns, l.port), host: override?.host };
    });

  const loadBalancerArn = async () =>
    overrides.loadBalancer ?? (await listener(await listenerArn('production'))).loadBalancerArn;

  const variable = (name: Variable): Promise<string> => {
    switch (name) {
      case 'deploymentId':
        return Promise.resolve(ids.deploymentId);
      case 'applicationName':
        return deployment().then((d) => d.applicationName);
      case 'deploymentGroupName':
        return deployment().then((d) => d.deploymentGroupName);
      case 'greenTargetGroup':
        return colorTargetGroup('green').then((t) => dimensionOf(t.arn));
      case 'blueTargetGroup':
        return colorTargetGroup('blue').then((t) => dimensionOf(t.arn));
      case 'greenTargetGroupName':
        return colorTargetGroup('green').then((t) => t.name);
      case 'blueTargetGroupName':
        return colorTargetGroup('blue').then((t) => t.name);
      case 'loadBalancer':
        return loadBalancerArn().then(dimensionOf);
      case 'functionName':
      case 'functionAlias':
      case 'currentVersion':
      case 'targetVersion':
        return lambdaFunction().then((f) => f[name]);
    }
  };

  return {
    deployment: () => settle(deployment),
    lambdaFunction: () => settle(lambdaFunction),
    listener: (role) => settle(() => endpoint(role)),
    targetGroup: (which) =>
      settle(() => (which === 'green' || which === 'blue' ? colorTargetGroup(which) : targetGroupRef(which))),
    deploymentGroupAlarms: () => settle(async () => (await deploymentGroup()).alarms),
    variable: (name) => settle(() => variable(name)),
  };
};
