import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { serviceAlarms, serviceFunctions, withHookServices } from './hook-services.js';
import { createScenario } from './scenario.js';
import { type AwsStandIn, startAwsStandIn } from './standins/aws.js';
import type { Scenario } from './standins/state.js';
import { AUTOSCALING_VERSION, autoScalingAccountFromScenario, autoScalingOperations } from './standins/autoscaling.js';
import { CLOUDWATCH_TARGET_PREFIX, type CloudWatchModel, cloudWatchOperations } from './standins/cloudwatch.js';
import { CODEDEPLOY_TARGET_PREFIX, codeDeployOperations } from './standins/codedeploy.js';
import { type Ec2StandIn, ec2InstancesFromScenario, startEc2StandIn } from './standins/ec2.js';
import { ELBV2_VERSION, elbv2Service, ordersElbv2Model } from './standins/elbv2.js';
import { type EventBus, createEventBus, eventBridgeOperations } from './standins/eventbridge.js';
import { type KinesisStandIn, startKinesisStandIn } from './standins/kinesis.js';
import { type DynamoDbStandIn, startDynamoDbStandIn } from './standins/dynamodb.js';
import { type LambdaStandIn, startLambdaStandIn } from './standins/lambda.js';
import { organisationRoute, type Place, placeKey, placeOf } from './standins/organisation.js';
import { type StsModel, stsOperations } from './standins/sts.js';
import { cloudFormationOperations } from './standins/cloudformation.js';
import { type ReceivedMessage, type ShownMessage, type SlackReceiver, startSlackReceiver } from './standins/slack.js';
import { SSM_TARGET_PREFIX, ssmOperations } from './standins/ssm.js';
import { type TestListener, startTestListener } from './test-listener.js';
import {
  type InvocationOutput,
  type LoadedHandler,
  type PackagedFunction,
  ROOT,
  captureOutput,
  lambdaContext,
  loadHandler,
  readPackagedFunctions,
  scheduledEvent,
  targetsOf,
} from './harness.js';

/**
 * A whole local account for the packaged service: Slack (webhooks and the Web API), CodeDeploy,
 * SSM, EventBridge, Auto Scaling, EC2, ELBv2 and CloudWatch stand-ins, a local Kinesis and a local
 * DynamoDB (dynalite, holding the state table), all on 127.0.0.1, holding one
 * coherent scenario (local/scenario.ts). The functions reach them through the SDK's standard
 * endpoint settings, exactly as they would reach AWS.
 */

export const STAGE = 'local';
export const STREAM_NAME = 'deploy-sentinel-local-state';
export const DEFAULT_WEBHOOK_PARAMETER = `/deploy-sentinel/${STAGE}/slack-webhook`;
export const BOT_TOKEN_PARAMETER = `/deploy-sentinel/${STAGE}/slack-bot-token`;
export const STATE_TABLE = 'deploy-sentinel-local-state';
// The local Slack's own bot token, assembled so that no string in the repository looks like a real one.
const LOCAL_BOT_TOKEN = ['xoxb', '000000000000', '000000000000', 'localstandintokenonly'].join('-');

/** A message the Slack app posted or updated, as the channel shows it. */
export interface AppPost {
  method: string;
  channel: string;
  channelName: string;
  message: ShownMessage;
}

export interface World {
  scenario: Scenario;
  slack: SlackReceiver;
  dynamodb: DynamoDbStandIn;
  aws: AwsStandIn;
  ec2: Ec2StandIn;
  kinesis: KinesisStandIn;
  lambda: LambdaStandIn;
  bus: EventBus;
  cloudwatch: CloudWatchModel;
  testListener: TestListener;
  /** Webhook parameter name -> the receiver path it posts to. */
  webhooks: Record<string, string>;
  /** The SDK's standard endpoint settings, pointing at the stand-ins. */
  env: Record<string, string>;
  /**
   * Other accounts and regions behind the same endpoints (an organisation hub's members), each with
   * its own state; `scenario` is the world's own account in its own region.
   */
  places: Map<string, Place>;
  /** Which member roles exist, and every AssumeRole asked for. */
  sts: StsModel;
  /** Adds an account and region holding `scenario` (re-homed there); `roles` are created in that account. */
  addPlace(scenario: Scenario, account: string, region: string, roles?: string[]): Place;
  close(): Promise<void>;
}

interface LocalSlackSettings {
  routes?: Array<{ name: string; webhookParameter?: string; channel?: string }>;
  defaultChannel?: string;
}
const localSlackSettings = (): LocalSlackSettings =>
  (parse(readFileSync(join(ROOT, 'settings', `${STAGE}.yml`), 'utf8')) as { slack?: LocalSlackSettings }).slack ?? {};

/** Every webhook parameter the stage's settings name, plus the default one, each to its own path. */
const webhookParameters = (): Record<string, string> => ({
  [DEFAULT_WEBHOOK_PARAMETER]: 'default',
  ...Object.fromEntries(
    (localSlackSettings().routes ?? []).flatMap((r) => (r.webhookParameter ? [[r.webhookParameter, r.name]] : [])),
  ),
});

/** Every channel the stage's settings name (app mode), the app a member of each, named after its route. */
const appChannels = (): Record<string, { name: string }> => {
  const slack = localSlackSettings();
  return {
    ...(slack.defaultChannel ? { [slack.defaultChannel]: { name: 'deployments' } } : {}),
    ...Object.fromEntries((slack.routes ?? []).flatMap((r) => (r.channel ? [[r.channel, { name: r.name }]] : []))),
  };
};

export const startWorld = async (
  options: { now?: number; onSlack?: (m: ReceivedMessage) => void; onAppPost?: (post: AppPost) => void } = {},
): Promise<World> => {
  const scenario = withHookServices(createScenario(options.now));
  const channels = appChannels();
  const slack = await startSlackReceiver({
    onMessage: options.onSlack,
    api: {
      tokens: [LOCAL_BOT_TOKEN],
      channels,
      onPost: (post) => options.onAppPost?.({ ...post, channelName: channels[post.channel]?.name ?? post.channel }),
    },
  });
  const dynamodb = await startDynamoDbStandIn({ tables: [STATE_TABLE] });
  const webhooks = webhookParameters();
  const bus = createEventBus({ region: scenario.region, accountId: scenario.account });
  const testListener = await startTestListener({ mode: 'pass' });
  const cloudwatch: CloudWatchModel = {
    region: scenario.region,
    account: scenario.account,
    metrics: [],
    alarms: serviceAlarms(),
  };
  const places = new Map<string, Place>();
  const sts: StsModel = { roles: new Set(), assumed: [] };
  const aws = await startAwsStandIn({
    route: organisationRoute({ account: scenario.account, region: scenario.region }, places),
    json: {
      [CODEDEPLOY_TARGET_PREFIX]: codeDeployOperations(scenario),
      [SSM_TARGET_PREFIX]: ssmOperations({
        ...Object.fromEntries(Object.entries(webhooks).map(([param, name]) => [param, slack.urlFor(name)])),
        [BOT_TOKEN_PARAMETER]: LOCAL_BOT_TOKEN,
      }),
      [CLOUDWATCH_TARGET_PREFIX]: cloudWatchOperations(cloudwatch),
      ...eventBridgeOperations(bus),
    },
    query: {
      [AUTOSCALING_VERSION]: {
        namespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
        operations: autoScalingOperations(autoScalingAccountFromScenario(scenario))[AUTOSCALING_VERSION]!.operations,
      },
      [ELBV2_VERSION]: elbv2Service(
        ordersElbv2Model({ dnsName: '127.0.0.1', testPort: testListener.port, productionPort: testListener.port }),
      ),
      ...stsOperations(sts),
      // The packaged stack's resources that functions name with `Ref`, for `serverless invoke local`.
      ...cloudFormationOperations([
        {
          name: `deploy-sentinel-${STAGE}`,
          resources: {
            StateTable: { type: 'AWS::DynamoDB::Table', physicalId: STATE_TABLE },
            StateStream: { type: 'AWS::Kinesis::Stream', physicalId: STREAM_NAME },
          },
        },
      ]),
    },
  });
  const ec2 = await startEc2StandIn(ec2InstancesFromScenario(scenario));
  const kinesis = await startKinesisStandIn({ streams: [{ name: STREAM_NAME, shardCount: 2 }] });
  const lambda = await startLambdaStandIn(serviceFunctions());
  const env = {
    AWS_REGION: scenario.region,
    AWS_DEFAULT_REGION: scenario.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: aws.url,
    AWS_ENDPOINT_URL_KINESIS: kinesis.url,
    AWS_ENDPOINT_URL_EC2: ec2.url,
    // Its own local server, apart from AWS_ENDPOINT_URL, as the SDK's service-specific setting allows.
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
    SLACK_API_URL: slack.apiUrl,
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
  };
  return {
    scenario,
    slack,
    dynamodb,
    aws,
    ec2,
    kinesis,
    lambda,
    bus,
    cloudwatch,
    testListener,
    webhooks,
    env,
    places,
    sts,
    addPlace: (member, account, region, roles = []) => {
      const place = placeOf(member, account, region);
      places.set(placeKey(account, region), place);
      for (const role of roles) sts.roles.add(`arn:aws:iam::${account}:role/${role}`);
      return place;
    },
    close: async () => {
      await Promise.all([
        slack.close(),
        dynamodb.close(),
        aws.close(),
        ec2.close(),
        kinesis.close(),
        lambda.close(),
        testListener.close(),
      ]);
    },
  };
};

export interface Invocation {
  function: string;
  ok: boolean;
  result?: unknown;
  error?: Error;
  /** The log lines and metrics the function wrote. */
  output: InvocationOutput;
}

const LEVELS = ['debug', 'info', 'warn', 'error'];

/**
 * Runs the packaged functions against a world: loads each bundle once (a warm container), delivers
 * events to the functions whose rules match, and routes what the cleanup publishes on the bus to
 * its subscribers, as EventBridge would. A thrown error is an invocation Lambda would retry and
 * then send to the dead-letter queue; it is reported, never hidden.
 */
export const createRunner = (
  world: World,
  functions: PackagedFunction[] = readPackagedFunctions(),
  overrides: Record<string, string> | ((fn: PackagedFunction) => Record<string, string>) = {},
  options: {
    /** Where the bundles are unpacked: another folder runs other containers of the same bundles. */
    unpackInto?: string;
    /** Log lines at this level or above are shown as they are written; every line is kept. */
    showLevel?: 'debug' | 'info' | 'warn' | 'error';
  } = {},
) => {
  const { unpackInto, showLevel = 'debug' } = options;
  const shown = (line: Record<string, unknown>) => LEVELS.indexOf(String(line.level)) >= LEVELS.indexOf(showLevel);
  const invocations: Invocation[] = [];
  Object.assign(process.env, world.env);
  const loaded = new Map<string, Promise<LoadedHandler>>();
  const handlerOf = (fn: PackagedFunction) => {
    const extra = typeof overrides === 'function' ? overrides(fn) : overrides;
    if (!loaded.has(fn.key))
      loaded.set(
        fn.key,
        loadHandler(fn, { STATE_STREAM_NAME: STREAM_NAME, STATE_TABLE_NAME: STATE_TABLE, ...extra }, unpackInto),
      );
    return loaded.get(fn.key)!;
  };
  // Another runner on the same world (a hub's containers) starts with what is published from now on.
  let drained = world.bus.events.length;

  const invoke = async (key: string, event: unknown): Promise<Invocation> => {
    const fn = functions.find((f) => f.key === key);
    if (!fn) throw new Error(`no packaged function ${key}`);
    const { result: invocation, output } = await captureOutput(async () => {
      try {
        return { ok: true, result: await (await handlerOf(fn))(event, lambdaContext(fn)) };
      } catch (error) {
        return { ok: false, error: error as Error };
      }
    }, shown);
    const done: Invocation = { function: key, ...invocation, output };
    invocations.push(done);
    return done;
  };

  return {
    functions,
    /** Every invocation so far, in order. */
    invocations,
    invoke,
    /** Delivers an event to every function whose rule matches it, one after the other. */
    async deliver(event: Record<string, unknown>): Promise<Invocation[]> {
      const out: Invocation[] = [];
      for (const fn of targetsOf(event, functions)) out.push(await invoke(fn.key, event));
      return out;
    },
    /** What the functions put on the bus since the last call, delivered to the rules that match. */
    async drainBus(): Promise<Array<{ event: Record<string, unknown>; invocations: Invocation[] }>> {
      const out = [];
      while (drained < world.bus.events.length) {
        const event = world.bus.events[drained++] as unknown as Record<string, unknown>;
        const invocations: Invocation[] = [];
        for (const fn of targetsOf(event, functions)) invocations.push(await invoke(fn.key, event));
        out.push({ event, invocations });
      }
      return out;
    },
    /** The scheduled event a function's schedule rule sends. */
    schedule(key: string): Record<string, unknown> {
      const fn = functions.find((f) => f.key === key)!;
      const rule = fn.rules.find((r) => r.schedule)!;
      return scheduledEvent(
        `arn:aws:events:${world.scenario.region}:${world.scenario.account}:rule/${rule.logicalId}`,
        world.scenario.account,
        world.scenario.region,
      );
    },
  };
};
export type Runner = ReturnType<typeof createRunner>;
