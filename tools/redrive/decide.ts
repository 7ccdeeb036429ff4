import * as z from 'zod/mini';
import '../../lib/zod.js';
import { issueLines } from '../../lib/events/issues.js';
import { HOOK_FUNCTION_PREFIX } from '../../lib/hooks/hooks.js';
import { clipEnd } from '../../lib/text.js';

/**
 * What to do with one message of the stack's dead-letter queue: send its original event back to
 * the function it belongs to, or leave it in the queue and say why. No I/O here.
 *
 * Two producers write to the queue:
 * - EventBridge target dead-lettering (an event it could not deliver): the body is the event as it
 *   was, and message attributes say where it was going and why it failed (EventBridge user guide,
 *   "Using dead-letter queues to process undelivered events").
 * - A Lambda on-failure destination (an asynchronous invocation that failed after its retries): the
 *   body is an invocation record wrapping the original event (Lambda developer guide, "Capturing
 *   records of Lambda asynchronous invocations").
 */

/** Which of the two producers wrote a message. */
export const REDRIVE_ORIGINS = ['eventbridge-dlq', 'lambda-destination'] as const;
export type RedriveOrigin = (typeof REDRIVE_ORIGINS)[number];

/** The message attributes EventBridge sets on a dead-lettered event; any of them may be missing. */
export const EVENTBRIDGE_DLQ_ATTRIBUTES = {
  ruleArn: 'RULE_ARN',
  targetArn: 'TARGET_ARN',
  errorCode: 'ERROR_CODE',
  errorMessage: 'ERROR_MESSAGE',
  exhaustedRetryCondition: 'EXHAUSTED_RETRY_CONDITION',
  retryAttempts: 'RETRY_ATTEMPTS',
} as const;

/** The part of an SQS message the decision reads (structurally an SDK `Message`). */
export interface DeadLetterMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  MessageAttributes?: Record<string, { StringValue?: string; DataType?: string }>;
}

/** Which deployment of deploy-sentinel the queue belongs to; only its own functions are re-driven. */
export interface StackIdentity {
  service: string;
  stage: string;
  /** The region the command works in; a function ARN of another region is not this stack's. */
  region?: string;
}

/** What the message tells about the event, for the summary line. */
export interface MessageFacts {
  origin?: RedriveOrigin;
  /** The bare function name, without qualifier. */
  functionName?: string;
  /** Why the event was dead-lettered in the first place. */
  reason?: string;
  eventId?: string;
  deploymentId?: string;
}

/** Send `payload` (the original event, as JSON text) to the unqualified function asynchronously. */
export interface Redrive extends MessageFacts {
  origin: RedriveOrigin;
  functionName: string;
  /** The unqualified ARN: a re-driven event runs the current code, never a pinned version. */
  functionArn: string;
  /** Further functions the same event goes to (a member's forwarded event reaches several hub functions). */
  alsoFunctionArns?: string[];
  payload: string;
  reason: string;
}

/** Leave the message in the queue; `skip` says why. */
export interface Skip extends MessageFacts {
  skip: string;
}

/** Re-drive it, or leave it in the queue. */
export type RedriveDecision = Redrive | Skip;

/** Whether the decision is to leave the message where it is. */
export const isSkip = (decision: RedriveDecision): decision is Skip => 'skip' in decision;

/** The queue's name, as serverless.yml creates it. */
export const deadLetterQueueName = (service: string, stage: string): string => `${service}-${stage}-dead-letters`;

/** The function-name prefix of the stack's ordinary (non-hook) functions. */
export const stackFunctionPrefix = (stack: StackIdentity): string => `${stack.service}-${stack.stage}-`;

/** A Lambda function ARN taken apart. */
export interface FunctionArnParts {
  partition: string;
  region: string;
  account: string;
  name: string;
  qualifier?: string;
  unqualifiedArn: string;
}

const FUNCTION_ARN =
  /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]+))?$/;

/** Splits a Lambda function ARN, qualified (`:$LATEST`, `:3`, `:alias`) or not; undefined if it is none. */
export const parseFunctionArn = (arn: string): FunctionArnParts | undefined => {
  const match = FUNCTION_ARN.exec(arn.trim());
  if (!match) return undefined;
  const [, partition, region, account, name, qualifier] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  return {
    partition,
    region,
    account,
    name,
    ...(qualifier ? { qualifier } : {}),
    unqualifiedArn: `arn:${partition}:lambda:${region}:${account}:function:${name}`,
  };
};

const MAX_TEXT = 300;
/** One line, bounded: error messages can carry stack traces and whole payloads. */
const oneLine = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return clipEnd(flat, MAX_TEXT);
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;

/** Event id and deployment id of an EventBridge event or an ECS hook payload, when present. */
export const eventFacts = (payload: unknown): Pick<MessageFacts, 'eventId' | 'deploymentId'> => {
  if (!isObject(payload)) return {};
  const detail = isObject(payload.detail) ? payload.detail : {};
  const eventId = 'detail-type' in payload ? text(payload.id) : undefined;
  const deploymentId = text(detail.deploymentId) ?? text(payload.DeploymentId);
  return { ...(eventId ? { eventId } : {}), ...(deploymentId ? { deploymentId } : {}) };
};

const attribute = (message: DeadLetterMessage, name: string): string | undefined =>
  text(message.MessageAttributes?.[name]?.StringValue);

const eventBridgeReason = (message: DeadLetterMessage): string => {
  const a = EVENTBRIDGE_DLQ_ATTRIBUTES;
  const code = attribute(message, a.errorCode);
  const detail = attribute(message, a.errorMessage);
  const condition = attribute(message, a.exhaustedRetryCondition);
  const attempts = attribute(message, a.retryAttempts);
  const error =
    code && detail
      ? `${code}: ${detail}`
      : (code ?? detail ?? 'EventBridge could not deliver it (no error attributes)');
  const gaveUp = [condition, attempts === undefined ? undefined : `${attempts} retries`].filter(Boolean).join(', ');
  return oneLine(gaveUp ? `${error} (${gaveUp})` : error);
};

const invocationRecordSchema = z.looseObject({
  requestContext: z.looseObject({
    functionArn: z.string().check(z.minLength(1)),
    requestId: z.optional(z.string()),
    condition: z.optional(z.string()),
    approximateInvokeCount: z.optional(z.number()),
  }),
  requestPayload: z.optional(z.unknown()),
  responseContext: z.optional(
    z.looseObject({
      statusCode: z.optional(z.number()),
      executedVersion: z.optional(z.string()),
      functionError: z.optional(z.string()),
    }),
  ),
  responsePayload: z.optional(z.unknown()),
});
type InvocationRecord = z.infer<typeof invocationRecordSchema>;

const lambdaReason = (record: InvocationRecord): string => {
  const response = record.responsePayload;
  const type = isObject(response) ? text(response.errorType) : undefined;
  const message = isObject(response) ? text(response.errorMessage) : text(response);
  const error =
    type && message
      ? `${type}: ${message}`
      : (type ??
        message ??
        record.responseContext?.functionError ??
        (response === undefined ? undefined : JSON.stringify(response)));
  const { condition, approximateInvokeCount: count } = record.requestContext;
  const gaveUp = [condition, count === undefined ? undefined : `${count} attempt${count === 1 ? '' : 's'}`]
    .filter(Boolean)
    .join(', ');
  const said = error ?? 'no error in the record';
  return oneLine(gaveUp ? `${said} (${gaveUp})` : said);
};

/** Where the message came from, which function it names, and the event to send; or why not. */
const unwrap = (
  message: DeadLetterMessage,
): { origin: RedriveOrigin; functionArn: string; payload: string; reason: string; event: unknown } | Skip => {
  const body = message.Body;
  if (body === undefined || body.trim() === '') return { skip: 'the message has no body' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return { skip: `the body is not JSON (${oneLine(error instanceof Error ? error.message : String(error))})` };
  }

  // The attributes are EventBridge's own word on where the event was going: they win over the body.
  const targetArn = attribute(message, EVENTBRIDGE_DLQ_ATTRIBUTES.targetArn);
  if (targetArn) {
    const reason = eventBridgeReason(message);
    if (!isObject(parsed))
      return {
        skip: 'an EventBridge dead letter whose body is not an event object',
        origin: 'eventbridge-dlq',
        reason,
      };
    return { origin: 'eventbridge-dlq', functionArn: targetArn, payload: body, reason, event: parsed };
  }

  if (isObject(parsed) && 'requestContext' in parsed) {
    const record = invocationRecordSchema.safeParse(parsed);
    if (!record.success) {
      return {
        skip: `a Lambda invocation record of an unexpected shape: ${issueLines(record.error, 3).join('; ')}`,
        origin: 'lambda-destination',
      };
    }
    const reason = lambdaReason(record.data);
    if (record.data.requestPayload === undefined) {
      // Without the original event there is nothing to send back; the record stays for a person to read.
      return { skip: 'the invocation record carries no request payload', origin: 'lambda-destination', reason };
    }
    const event = record.data.requestPayload;
    return {
      origin: 'lambda-destination',
      functionArn: record.data.requestContext.functionArn,
      payload: JSON.stringify(event),
      reason,
      event,
    };
  }

  return { skip: 'neither an EventBridge dead letter (no TARGET_ARN attribute) nor a Lambda invocation record' };
};

/**
 * Decides what to do with one dead-letter message: the function (of this stack, never a hook) and
 * original event to re-drive it to, or why it stays in the queue.
 */
export const toRedrive = (message: DeadLetterMessage, stack: StackIdentity): RedriveDecision => {
  const unwrapped = unwrap(message);
  if ('skip' in unwrapped) return unwrapped;
  const { origin, functionArn, payload, reason, event } = unwrapped;
  const facts = { origin, reason, ...eventFacts(event) };

  const arn = parseFunctionArn(functionArn);
  if (!arn) return { skip: `${functionArn} is not a Lambda function ARN`, ...facts };
  const named = { ...facts, functionName: arn.name };

  if (arn.name.startsWith(HOOK_FUNCTION_PREFIX)) {
    return {
      skip: 'a hook function: re-driven, it would report on a lifecycle event that finished long ago',
      ...named,
    };
  }
  const prefix = stackFunctionPrefix(stack);
  const key = arn.name.slice(prefix.length);
  // Function keys have no hyphen, so `prod-eu-notifyDeployment` is not mistaken for a `prod` function.
  if (!arn.name.startsWith(prefix) || key === '' || key.includes('-')) {
    return { skip: `not a function of ${stack.service}-${stack.stage} (${arn.name})`, ...named };
  }
  if (stack.region && arn.region !== stack.region) {
    return { skip: `the function is in ${arn.region}, this command works in ${stack.region}`, ...named };
  }
  return { ...named, functionArn: arn.unqualifiedArn, payload };
};

/**
 * Whether `--function` selects the decision's function: by its full name or by its key in
 * serverless.yml (`notifyDeployment`). Without a filter everything is selected.
 */
export const isSelected = (decision: RedriveDecision, only: string | undefined, stack: StackIdentity): boolean =>
  only === undefined ||
  decision.functionName === only ||
  decision.functionName === `${stackFunctionPrefix(stack)}${only}`;

/** The forwarding queue of a member stack (serverless/organization.cjs). */
export const memberDeadLetterQueueName = (service: string, stage: string): string =>
  `${service}-${stage}-member-dead-letters`;

/** Where the hub's functions run: its region, and its account when invoked across accounts. */
export interface HubIdentity extends StackIdentity {
  region: string;
  account?: string;
}

const CLEANUP_STATES = new Set(['FAILURE', 'STOP']);

/**
 * The hub functions a forwarded event reaches, as the hub's rules on its bus route it (serverless.yml
 * and serverless/organization.cjs: the notifiers and the stream take every forwarded event of their
 * kind, the cleanup only FAILURE and STOP deployments). Empty for an event members do not forward.
 */
export const hubFunctionsFor = (event: Record<string, unknown>): string[] => {
  const detail = isObject(event.detail) ? event.detail : {};
  const kind = `${String(event.source)} / ${String(event['detail-type'])}`;
  if (kind === 'aws.codedeploy / CodeDeploy Deployment State-change Notification')
    return ['notifyDeployment', 'streamState', ...(CLEANUP_STATES.has(String(detail.state)) ? ['cleanUpOrphans'] : [])];
  if (kind === 'aws.codedeploy / CodeDeploy Instance State-change Notification')
    return ['notifyDeployment', 'streamState'];
  if (kind === 'aws.cloudwatch / CloudWatch Alarm State Change') return ['notifyAlarm', 'streamState'];
  return [];
};

/**
 * What to do with one message of a member's forwarding dead-letter queue: EventBridge could not put
 * the event on the hub's bus, and an `aws.*` source cannot be put on a bus again by anyone but AWS
 * (PutEvents refuses sources that start with `aws.`: EventBridge API Reference, PutEventsRequestEntry),
 * so the event goes straight to the hub functions the hub's rules would have invoked, as it was.
 * `only` (a function key or name) narrows them.
 */
export const toMemberRedrive = (message: DeadLetterMessage, hub: HubIdentity, only?: string): RedriveDecision => {
  const body = message.Body;
  if (body === undefined || body.trim() === '') return { skip: 'the message has no body' };
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch (error) {
    return { skip: `the body is not JSON (${oneLine(error instanceof Error ? error.message : String(error))})` };
  }
  const reason = eventBridgeReason(message);
  const facts = { origin: 'eventbridge-dlq' as const, reason, ...eventFacts(event) };
  if (!isObject(event) || !('detail-type' in event)) return { skip: 'the body is not an EventBridge event', ...facts };
  const prefix = stackFunctionPrefix(hub);
  const names = hubFunctionsFor(event)
    .map((key) => `${prefix}${key}`)
    .filter((name) => only === undefined || name === only || name === `${prefix}${only}`);
  if (names.length === 0)
    return {
      skip:
        only === undefined
          ? `not an event members forward (${String(event.source)} / ${String(event['detail-type'])})`
          : `the hub would not send it to ${only}`,
      ...facts,
    };
  const arnOf = (name: string) =>
    hub.account ? `arn:${partitionOf(hub.region)}:lambda:${hub.region}:${hub.account}:function:${name}` : name;
  const [first, ...rest] = names as [string, ...string[]];
  return {
    ...facts,
    functionName: names.join(','),
    functionArn: arnOf(first),
    ...(rest.length > 0 ? { alsoFunctionArns: rest.map(arnOf) } : {}),
    payload: body,
  };
};

const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
