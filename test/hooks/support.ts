import { type CallBudget, callAws, DEFAULT_CALL_TIMEOUT_MS } from '../../lib/aws/call.js';
import type { CloudWatchPort, MetricDataRequest, MetricResult } from '../../lib/aws/cloudwatch.js';
import type { CodeDeployPort, EcsTaskSets, HookExecution, LambdaFunctionTarget } from '../../lib/aws/codedeploy.js';
import type { Elbv2Port, ListenerFacts } from '../../lib/aws/elbv2.js';
import type { InvokeAnswer, InvokeRequest, LambdaPort } from '../../lib/aws/lambda.js';
import type { DeploymentDetails, DeploymentGroup } from '../../lib/codedeploy/deployment.js';
import type { AlarmState, TargetHealthState } from '../../lib/hooks/judge.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { type Deadline, deadlineAt, type Sleep } from '../../lib/time.js';

/** A clock that only moves when something sleeps on it, so schedules run in no real time. */
export const fakeTime = (start = 1_800_000_000_000) => {
  let now = start;
  const sleeps: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    if (signal?.aborted) throw signal.reason;
    sleeps.push(ms);
    now += ms;
  };
  return {
    clock: () => now,
    sleep,
    sleeps,
    advance: (ms: number) => {
      now += ms;
    },
    /** A deadline `ms` from now on this clock. */
    deadlineIn: (ms: number): Deadline => deadlineAt(now + ms, () => now),
  };
};

/** A logger whose JSON lines are kept for assertions. */
export const captureLog = (): { log: Logger; lines: Array<Record<string, any>> } => {
  const lines: Array<Record<string, any>> = [];
  return { log: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }), lines };
};

/**
 * A clock on which overlapping sleeps overlap, as in real time: it moves to the next wake-up only
 * once nothing else can run, so calls that answer after seconds cost no real time, and two calls
 * made side by side take as long as the slower one. Work waiting on real I/O (a request to a local
 * server) goes through `busy`, so that the clock does not move while it is in flight.
 */
export const virtualTime = (start = 1_800_000_000_000) => {
  let now = start;
  let inFlight = 0;
  let order = 0;
  const wakeUps: Array<{ at: number; order: number; wake: () => void }> = [];
  const sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        wakeUps.splice(wakeUps.indexOf(entry), 1);
        reject(signal?.reason);
      };
      const entry = {
        at: now + Math.max(0, ms),
        order: order++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      wakeUps.push(entry);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  const realPause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const idle = async () => {
    // Continuations of what just woke up run as promise jobs and I/O callbacks: let them all run.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    clock: () => now,
    sleep,
    /** A deadline `ms` from now on this clock. */
    deadlineIn: (ms: number): Deadline => deadlineAt(now + ms, () => now),
    /** Runs real I/O, holding the clock still until it is done. */
    busy: async <T>(work: () => Promise<T>): Promise<T> => {
      inFlight++;
      try {
        return await work();
      } finally {
        inFlight--;
      }
    },
    /** Awaits `work`, moving the clock from wake-up to wake-up whenever everything else waits. */
    run: async <T>(work: Promise<T>): Promise<T> => {
      let settled = false;
      work.then(
        () => (settled = true),
        () => (settled = true),
      );
      for (;;) {
        await idle();
        if (settled) return work;
        if (inFlight > 0 || wakeUps.length === 0) {
          await realPause(1);
          continue;
        }
        wakeUps.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = wakeUps.shift()!;
        now = Math.max(now, next.at);
        next.wake();
      }
    },
  };
};

const LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/orders-prod/7d3e9a1b2c4f5e60';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup';

/** The orders service's ECS blue/green resources, as the hook tests' CodeDeploy and ELBv2 describe them. */
export const ORDERS = {
  LB,
  PROD: `${LB.replace(':loadbalancer/', ':listener/')}/4a1b2c3d4e5f6071`,
  TEST: `${LB.replace(':loadbalancer/', ':listener/')}/9f8e7d6c5b4a3921`,
  GREEN_TG: `${TG}/orders-green/5e7f9a1b3c5d7e9f`,
  BLUE_TG: `${TG}/orders-blue/1a2b3c4d5e6f7a8b`,
  EVENT: { DeploymentId: 'd-EC5H00K01', LifecycleEventHookExecutionId: '2b01599b-b984-499d-8835-97f389a7dc3b' },
} as const;

/** An error as the AWS SDK raises it for an API's answer. */
export const awsError = (name: string, message: string, httpStatusCode = 400): Error =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

/** The AWS operations behind the hook's port methods, as the in-memory ports record them. */
export type HookOperation =
  | 'GetDeployment'
  | 'GetDeploymentGroup'
  | 'GetDeploymentTarget'
  | 'PutLifecycleEventHookExecutionStatus'
  | 'DescribeListeners'
  | 'DescribeLoadBalancers'
  | 'DescribeTargetGroups'
  | 'DescribeTargetHealth'
  | 'GetMetricData'
  | 'DescribeAlarms'
  | 'ListDeploymentTargets'
  | 'Invoke';

/** The operations discovery makes, each at most once per invocation. */
export const DISCOVERY_OPERATIONS: ReadonlySet<HookOperation> = new Set([
  'GetDeployment',
  'ListDeploymentTargets',
  'GetDeploymentGroup',
  'GetDeploymentTarget',
  'DescribeListeners',
  'DescribeLoadBalancers',
  'DescribeTargetGroups',
]);

/** What the in-memory ports know; a test changes it before the hook runs. */
export interface HookWorld {
  deployments: Map<string, DeploymentDetails>;
  /** By `application/deploymentGroup`. */
  groups: Map<string, DeploymentGroup>;
  /** By ECS deployment target id (`cluster:service`). */
  taskSets: Map<string, EcsTaskSets>;
  listeners: Map<string, ListenerFacts>;
  /** DNS names by load balancer ARN. */
  loadBalancers: Map<string, string>;
  /** ARNs by target group name. */
  targetGroups: Map<string, string>;
  /** By target group ARN. */
  targetHealth: Map<string, TargetHealthState[]>;
  alarms: AlarmState[];
  metricData(request: MetricDataRequest): MetricResult[];
  /** Executions whose status CodeDeploy already has: another report is `already-completed`. */
  completed: Set<string>;
  /** The one target of each Lambda deployment, by deployment id. */
  lambdaTargets: Map<string, LambdaFunctionTarget & { targetId: string }>;
  /** What each published version answers, by `function:version`; the signal ends a slow one. */
  functions: Map<string, (payload: unknown, signal: AbortSignal) => Promise<Omit<InvokeAnswer, 'executedVersion'>>>;
}

/** The orders service's ECS blue/green deployment d-EC5H00K01 with its test listener on `testPort`. */
export const ordersWorld = (testPort = 8080): HookWorld => {
  const { LB, PROD, TEST, GREEN_TG, BLUE_TG, EVENT } = ORDERS;
  return {
    deployments: new Map([
      [
        EVENT.DeploymentId,
        {
          deploymentId: EVENT.DeploymentId,
          application: 'orders',
          deploymentGroup: 'orders-ecs',
          computePlatform: 'ECS',
          status: 'InProgress',
        },
      ],
    ]),
    groups: new Map([
      [
        'orders/orders-ecs',
        {
          application: 'orders',
          deploymentGroup: 'orders-ecs',
          liveAutoScalingGroups: [],
          alarms: ['orders-5xx'],
          alarmsEnabled: true,
          ignorePollAlarmFailure: false,
          autoRollbackOnAlarm: false,
          ecsService: { clusterName: 'prod', serviceName: 'orders' },
          prodListenerArn: PROD,
          testListenerArn: TEST,
        },
      ],
    ]),
    taskSets: new Map([
      ['prod:orders', { targetType: 'ECSTarget', green: 'orders-green', blue: 'orders-blue', taskSetCount: 2 }],
    ]),
    listeners: new Map([
      [TEST, { loadBalancerArn: LB, port: testPort, protocol: 'HTTP' }],
      [PROD, { loadBalancerArn: LB, port: 80, protocol: 'HTTP' }],
    ]),
    loadBalancers: new Map([[LB, '127.0.0.1']]),
    targetGroups: new Map([
      ['orders-green', GREEN_TG],
      ['orders-blue', BLUE_TG],
    ]),
    targetHealth: new Map([
      [GREEN_TG, [1, 2].map((i) => ({ id: `10.0.2.1${i}`, port: 8080, state: 'healthy' }))],
      [BLUE_TG, [1, 2].map((i) => ({ id: `10.0.1.1${i}`, port: 8080, state: 'healthy' }))],
    ]),
    alarms: [{ name: 'orders-5xx', state: 'OK' }],
    metricData: () => [],
    completed: new Set(),
    lambdaTargets: new Map(),
    functions: new Map(),
  };
};

/** The pricing service's Lambda deployment d-L4MBD4001: alias live moves from version 6 to 7. */
export const PRICING = {
  EVENT: { DeploymentId: 'd-L4MBD4001', LifecycleEventHookExecutionId: '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f' },
  TARGET_ID: 'pricing-api:live',
} as const;

/** The orders world plus the pricing Lambda deployment, whose version 7 answers `{ ok: true }`. */
export const pricingWorld = (testPort = 8080): HookWorld => {
  const world = ordersWorld(testPort);
  world.deployments.set(PRICING.EVENT.DeploymentId, {
    deploymentId: PRICING.EVENT.DeploymentId,
    application: 'pricing',
    deploymentGroup: 'pricing-live',
    computePlatform: 'Lambda',
    status: 'InProgress',
  });
  world.groups.set('pricing/pricing-live', {
    application: 'pricing',
    deploymentGroup: 'pricing-live',
    liveAutoScalingGroups: [],
    alarms: ['pricing-errors'],
    alarmsEnabled: true,
    ignorePollAlarmFailure: false,
    autoRollbackOnAlarm: true,
  });
  world.lambdaTargets.set(PRICING.EVENT.DeploymentId, {
    targetId: PRICING.TARGET_ID,
    targetType: 'LambdaTarget',
    functionName: 'pricing-api',
    functionAlias: 'live',
    currentVersion: '6',
    targetVersion: '7',
  });
  const answer = (body: unknown) => async () => ({ statusCode: 200, payload: JSON.stringify(body) });
  world.functions.set('pricing-api:6', answer({ ok: true, version: 6 }));
  world.functions.set('pricing-api:7', answer({ ok: true, version: 7 }));
  world.alarms.push({ name: 'pricing-api-errors', state: 'OK' });
  return world;
};

/** One call an in-memory port answered (one attempt: a retried call is recorded again). */
export interface PortCall {
  operation: HookOperation;
  args: unknown[];
  budget: CallBudget;
}

export interface InMemoryPortsOptions {
  /**
   * Discovery calls answer only after this long on `sleep`'s clock; an attempt whose time-out
   * comes first is abandoned then, as the SDK abandons it (AbortError).
   */
  discoveryDelayMs?: number;
  sleep?: Sleep;
}

/**
 * The hook's three ports in memory, answering from `world` the way the services do (a name that
 * does not exist is the API's error), each call recorded in order. Calls run within their budget
 * (`callAws`), as the real ports do, so a failure set with `fail` is retried when it is transient.
 */
export const inMemoryHookPorts = (world: HookWorld = ordersWorld(), options: InMemoryPortsOptions = {}) => {
  const calls: PortCall[] = [];
  const failures = new Map<HookOperation, { error: unknown; times: number }>();
  const answer = <T>(operation: HookOperation, args: unknown[], budget: CallBudget, produce: () => T): Promise<T> =>
    callAws(async (signal) => {
      calls.push({ operation, args, budget });
      const delayMs = DISCOVERY_OPERATIONS.has(operation) ? (options.discoveryDelayMs ?? 0) : 0;
      if (delayMs > 0) {
        const sleep = options.sleep ?? (async () => {});
        // The attempt's own time-out, on the test's clock: an answer later than that never comes.
        const allowanceMs = Math.min(budget.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, budget.deadline.remainingMs());
        if (delayMs > allowanceMs) {
          await sleep(allowanceMs, signal);
          throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
        }
        await sleep(delayMs, signal);
      }
      const failure = failures.get(operation);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        throw failure.error;
      }
      return produce();
    }, budget);

  const codedeploy: CodeDeployPort = {
    getDeployment: (deploymentId, budget) =>
      answer('GetDeployment', [deploymentId], budget, () => world.deployments.get(deploymentId)),
    getDeploymentGroup: (application, deploymentGroup, budget) =>
      answer('GetDeploymentGroup', [application, deploymentGroup], budget, () =>
        world.groups.get(`${application}/${deploymentGroup}`),
      ),
    getEcsTaskSets: (deploymentId, targetId, budget) =>
      answer('GetDeploymentTarget', [deploymentId, targetId], budget, () => {
        const sets = world.taskSets.get(targetId);
        if (!sets) throw awsError('DeploymentTargetDoesNotExistException', `Deployment target ${targetId} not found`);
        return sets;
      }),
    reportHookStatus: (execution: HookExecution, status, budget) =>
      answer('PutLifecycleEventHookExecutionStatus', [{ ...execution, status }], budget, () => {
        const key = execution.lifecycleEventHookExecutionId;
        if (world.completed.has(key)) return 'already-completed' as const;
        world.completed.add(key);
        return 'reported' as const;
      }),
    listDeploymentTargetIds: (deploymentId, budget) =>
      answer('ListDeploymentTargets', [deploymentId], budget, () => {
        const target = world.lambdaTargets.get(deploymentId);
        if (target) return [target.targetId];
        // An ECS deployment's one target is its service.
        const group = world.groups.get(
          `${world.deployments.get(deploymentId)?.application}/${world.deployments.get(deploymentId)?.deploymentGroup}`,
        );
        return group?.ecsService ? [`${group.ecsService.clusterName}:${group.ecsService.serviceName}`] : [];
      }),
    getLambdaTarget: (deploymentId, targetId, budget) =>
      answer('GetDeploymentTarget', [deploymentId, targetId], budget, () => {
        const target = world.lambdaTargets.get(deploymentId);
        if (target?.targetId === targetId) {
          const { targetId: _, ...facts } = target;
          return facts;
        }
        if (world.taskSets.has(targetId)) return { targetType: 'ECSTarget' };
        throw awsError('DeploymentTargetDoesNotExistException', `Deployment target ${targetId} not found`);
      }),
    failedTargets: () => Promise.reject(new Error('the hooks never read failed targets')),
    batchGetDeployments: () => Promise.reject(new Error('the hooks never batch deployments')),
    listInProgressDeployments: () => Promise.reject(new Error('the hooks never list deployments')),
    listDeploymentGroups: () => Promise.reject(new Error('the hooks never list deployment groups')),
    getRevisionRegisterTime: () => Promise.reject(new Error('the hooks never read application revisions')),
  };

  const elbv2: Elbv2Port = {
    getListener: (listenerArn, budget) =>
      answer('DescribeListeners', [listenerArn], budget, () => {
        const listener = world.listeners.get(listenerArn);
        if (!listener) throw awsError('ListenerNotFoundException', 'One or more listeners not found');
        return listener;
      }),
    getLoadBalancerDnsName: (loadBalancerArn, budget) =>
      answer('DescribeLoadBalancers', [loadBalancerArn], budget, () => {
        const dns = world.loadBalancers.get(loadBalancerArn);
        if (dns === undefined) throw awsError('LoadBalancerNotFoundException', 'One or more load balancers not found');
        return dns || undefined;
      }),
    getTargetGroupArn: (name, budget) =>
      answer('DescribeTargetGroups', [name], budget, () => {
        const arn = world.targetGroups.get(name);
        if (!arn) throw awsError('TargetGroupNotFoundException', 'One or more target groups not found');
        return arn;
      }),
    getTargetHealth: (targetGroupArn, budget) =>
      answer('DescribeTargetHealth', [targetGroupArn], budget, () => {
        const targets = world.targetHealth.get(targetGroupArn);
        if (!targets) throw awsError('TargetGroupNotFoundException', 'One or more target groups not found');
        return targets.map((t) => ({ ...t }));
      }),
  };

  const cloudwatch: CloudWatchPort = {
    getMetricData: (request, budget) => answer('GetMetricData', [request], budget, () => world.metricData(request)),
    describeAlarms: (names, budget) =>
      answer('DescribeAlarms', [names], budget, () => world.alarms.filter((a) => names.includes(a.name))),
  };

  const lambda: LambdaPort = {
    invoke: (request: InvokeRequest, budget) =>
      callAws(async (signal) => {
        calls.push({ operation: 'Invoke', args: [request], budget });
        const failure = failures.get('Invoke');
        if (failure && failure.times > 0) {
          failure.times -= 1;
          throw failure.error;
        }
        // Invoking an alias runs the version it points at; a version runs itself.
        const target = [...world.lambdaTargets.values()].find((t) => t.functionName === request.functionName);
        const version = request.qualifier === target?.functionAlias ? target.currentVersion! : request.qualifier;
        const run = world.functions.get(`${request.functionName}:${version}`);
        if (!run)
          throw awsError(
            'ResourceNotFoundException',
            `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${request.functionName}:${version}`,
            404,
          );
        return { ...(await run(JSON.parse(request.payload), signal)), executedVersion: version };
      }, budget),
  };

  return {
    codedeploy,
    elbv2,
    cloudwatch,
    lambda,
    world,
    /** Every call answered so far, in order. */
    calls,
    /** The calls of one operation. */
    callsOf: (operation: HookOperation) => calls.filter((c) => c.operation === operation),
    /** Makes `operation` fail with `error`, the next `times` times (every time by default). */
    fail: (operation: HookOperation, error: unknown, times = Number.POSITIVE_INFINITY) => {
      failures.set(operation, { error, times });
    },
  };
};

export type InMemoryHookPorts = ReturnType<typeof inMemoryHookPorts>;
