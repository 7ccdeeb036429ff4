import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSelected,
  isSkip,
  parseFunctionArn,
  type Redrive,
  type RedriveDecision,
  type Skip,
  toRedrive,
} from '../../../tools/redrive/decide.js';
import { loadEvent } from '../../support/fixtures.js';
import { loneSurrogatesIn } from '../../support/unicode.js';
import { destinationDeadLetter, eventBridgeDeadLetter, functionArn, invocationRecord, STACK } from './messages.js';

const redrive = (decision: RedriveDecision): Redrive => {
  if (isSkip(decision)) throw new Error(`expected a re-drive, got skip: ${decision.skip}`);
  return decision;
};
const skipped = (decision: RedriveDecision): Skip => {
  if (!isSkip(decision)) throw new Error(`expected a skip, got a re-drive to ${decision.functionName}`);
  return decision;
};

describe('toRedrive: EventBridge target dead letters', () => {
  it('sends the undelivered event, unchanged, back to its target function', () => {
    const event = loadEvent('codedeploy/deployment.failure.json');
    const message = eventBridgeDeadLetter(event);

    const decision = redrive(toRedrive(message, STACK));

    expect(decision).toMatchObject({
      origin: 'eventbridge-dlq',
      functionName: 'deploy-sentinel-prod-notifyDeployment',
      functionArn: functionArn('deploy-sentinel-prod-notifyDeployment'),
      eventId: event.id,
      deploymentId: 'd-F41LED001',
    });
    expect(decision.payload).toBe(message.Body);
  });

  it('says why EventBridge gave up, from its error attributes', () => {
    const decision = redrive(toRedrive(eventBridgeDeadLetter(loadEvent('codedeploy/deployment.stop.json')), STACK));

    expect(decision.reason).toBe(
      'NO_PERMISSIONS: Not authorized to invoke the function (MaximumEventAgeInSeconds, 185 retries)',
    );
  });

  it('still re-drives when the error attributes are missing, and says they were', () => {
    const message = eventBridgeDeadLetter(
      loadEvent('cloudwatch/alarm.threshold-alarm.json'),
      functionArn('deploy-sentinel-prod-notifyAlarm'),
      {},
    );

    const decision = redrive(toRedrive(message, STACK));

    expect(decision.functionName).toBe('deploy-sentinel-prod-notifyAlarm');
    expect(decision.reason).toMatch(/no error attributes/);
  });

  it('re-drives to the unqualified function when the rule targeted an alias', () => {
    const message = eventBridgeDeadLetter(
      loadEvent('codedeploy/deployment.failure.json'),
      `${functionArn('deploy-sentinel-prod-streamState')}:live`,
    );

    expect(redrive(toRedrive(message, STACK)).functionArn).toBe(functionArn('deploy-sentinel-prod-streamState'));
  });

  it('re-drives a missed sweep schedule to the cleanup', () => {
    const schedule = {
      version: '0',
      id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '2026-11-20T16:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:123456789012:rule/deploy-sentinel-prod-CleanUpOrphansEventsRuleSchedule1'],
      detail: {},
    };
    const decision = redrive(
      toRedrive(eventBridgeDeadLetter(schedule, functionArn('deploy-sentinel-prod-cleanUpOrphans')), STACK),
    );

    expect(decision).toMatchObject({ functionName: 'deploy-sentinel-prod-cleanUpOrphans', eventId: schedule.id });
    expect(decision.deploymentId).toBeUndefined();
  });

  it('leaves a dead letter whose target is not a Lambda function', () => {
    const message = eventBridgeDeadLetter(
      loadEvent('codedeploy/deployment.failure.json'),
      `arn:aws:sqs:us-east-1:123456789012:somewhere`,
    );

    expect(skipped(toRedrive(message, STACK)).skip).toMatch(/not a Lambda function ARN/);
  });

  it('leaves a dead letter whose body is not an event object', () => {
    const decision = skipped(toRedrive(eventBridgeDeadLetter('[1,2,3]'), STACK));

    expect(decision.skip).toMatch(/not an event object/);
    expect(decision.reason).toMatch(/NO_PERMISSIONS/);
  });
});

describe('toRedrive: Lambda on-failure destination records', () => {
  it('re-drives the original event to the unqualified function, not to $LATEST', () => {
    const event = loadEvent('codedeploy/deployment.failure.json');
    const record = invocationRecord(event, `${functionArn('deploy-sentinel-prod-notifyDeployment')}:$LATEST`);

    const decision = redrive(toRedrive(destinationDeadLetter(record), STACK));

    expect(decision).toMatchObject({
      origin: 'lambda-destination',
      functionName: 'deploy-sentinel-prod-notifyDeployment',
      functionArn: functionArn('deploy-sentinel-prod-notifyDeployment'),
      eventId: event.id,
      deploymentId: 'd-F41LED001',
    });
    expect(JSON.parse(decision.payload)).toEqual(event);
  });

  it('drops a version qualifier too', () => {
    const record = invocationRecord(
      loadEvent('codedeploy/deployment.success.json'),
      `${functionArn('deploy-sentinel-prod-streamState')}:7`,
    );

    expect(redrive(toRedrive(destinationDeadLetter(record), STACK)).functionArn).toBe(
      functionArn('deploy-sentinel-prod-streamState'),
    );
  });

  it('reports the error the function raised and how often it was tried', () => {
    const record = invocationRecord(
      loadEvent('codedeploy/deployment.failure.json'),
      functionArn('deploy-sentinel-prod-notifyDeployment'),
    );

    expect(redrive(toRedrive(destinationDeadLetter(record), STACK)).reason).toBe(
      'SlackDeliveryError: Slack answered 500 rollup_error after 4 attempts (RetriesExhausted, 3 attempts)',
    );
  });

  it('reports an event that expired in the queue without an error payload', () => {
    const record = invocationRecord(
      loadEvent('codedeploy/deployment.failure.json'),
      functionArn('deploy-sentinel-prod-notifyDeployment'),
      {
        requestContext: {
          requestId: 'r-1',
          functionArn: functionArn('deploy-sentinel-prod-notifyDeployment'),
          condition: 'EventAgeExceeded',
          approximateInvokeCount: 0,
        },
        responseContext: undefined,
        responsePayload: undefined,
      },
    );

    const decision = redrive(toRedrive(destinationDeadLetter(record), STACK));

    expect(decision.reason).toBe('no error in the record (EventAgeExceeded, 0 attempts)');
  });

  it('keeps a long error message to one bounded line', () => {
    const record = invocationRecord(
      loadEvent('codedeploy/deployment.failure.json'),
      functionArn('deploy-sentinel-prod-notifyDeployment'),
      {
        responsePayload: { errorType: 'Error', errorMessage: `line one\nline two ${'x'.repeat(2_000)}` },
      },
    );

    const { reason } = redrive(toRedrive(destinationDeadLetter(record), STACK));

    expect(reason).not.toContain('\n');
    expect(reason.length).toBeLessThanOrEqual(300);
  });

  it('cuts a long error message of emoji between characters, never inside one', () => {
    const record = invocationRecord(
      loadEvent('codedeploy/deployment.failure.json'),
      functionArn('deploy-sentinel-prod-notifyDeployment'),
      { responsePayload: { errorType: 'Error', errorMessage: `x${'🚀'.repeat(400)}` } },
    );

    const { reason } = redrive(toRedrive(destinationDeadLetter(record), STACK));

    expect(loneSurrogatesIn(reason)).toEqual([]);
    expect(reason.length).toBeLessThanOrEqual(300);
    expect(reason).toMatch(/🚀…$/);
  });

  it('leaves a record without the original event', () => {
    const record = invocationRecord(undefined, functionArn('deploy-sentinel-prod-notifyDeployment'));

    const decision = skipped(toRedrive(destinationDeadLetter(record), STACK));

    expect(decision.skip).toMatch(/no request payload/);
    expect(decision.reason).toMatch(/SlackDeliveryError/);
  });

  it('leaves a record whose request context names no function', () => {
    const record = { requestContext: { requestId: 'r-1' }, requestPayload: {} };

    expect(skipped(toRedrive(destinationDeadLetter(record), STACK)).skip).toMatch(
      /unexpected shape: requestContext\.functionArn/,
    );
  });
});

describe('toRedrive: what is never re-driven', () => {
  it.each([
    ['no body', { MessageId: 'm', ReceiptHandle: 'h' }, /no body/],
    ['an empty body', { MessageId: 'm', Body: '  ' }, /no body/],
    ['a body that is not JSON', { MessageId: 'm', Body: '{"truncated": ' }, /not JSON/],
    [
      'an event without EventBridge attributes',
      { MessageId: 'm', Body: JSON.stringify(loadEvent('codedeploy/deployment.failure.json')) },
      /neither/,
    ],
    ['a JSON string', { MessageId: 'm', Body: '"hello"' }, /neither/],
  ])('leaves a message with %s in the queue', (_name, message, why) => {
    expect(skipped(toRedrive(message, STACK)).skip).toMatch(why);
  });

  it('never re-drives a hook: it would report on a lifecycle event that finished long ago', () => {
    const hookEvent = loadEvent('hooks/after-allow-test-traffic.json');
    const record = invocationRecord(
      hookEvent,
      `${functionArn('CodeDeployHook_deploy-sentinel-prod-after-test-traffic')}:$LATEST`,
    );

    const decision = skipped(toRedrive(destinationDeadLetter(record), STACK));

    expect(decision.skip).toMatch(/hook/);
    expect(decision).toMatchObject({
      functionName: 'CodeDeployHook_deploy-sentinel-prod-after-test-traffic',
      deploymentId: 'd-EC5H00K01',
    });
  });

  it.each([
    ['another service', 'billing-prod-notifyDeployment'],
    ['another stage', 'deploy-sentinel-dev-notifyDeployment'],
    ['a sibling stage sharing the prefix', 'deploy-sentinel-prod-eu-notifyDeployment'],
    ['the bare prefix', 'deploy-sentinel-prod-'],
  ])('leaves a function of %s alone', (_name, name) => {
    const record = invocationRecord(loadEvent('codedeploy/deployment.failure.json'), functionArn(name));

    const decision = skipped(toRedrive(destinationDeadLetter(record), STACK));

    expect(decision.skip).toMatch(/not a function of deploy-sentinel-prod/);
  });

  it('leaves a function of this stack name in another region alone', () => {
    const message = eventBridgeDeadLetter(
      loadEvent('codedeploy/deployment.failure.json'),
      functionArn('deploy-sentinel-prod-notifyDeployment', 'eu-west-1'),
    );

    expect(skipped(toRedrive(message, STACK)).skip).toMatch(/in eu-west-1, this command works in us-east-1/);
  });

  it('never throws and only ever re-drives to a non-hook function of this stack, whatever the message', () => {
    const name = fc.oneof(
      fc.constantFrom(
        'deploy-sentinel-prod-notifyDeployment',
        'CodeDeployHook_deploy-sentinel-prod-before-install',
        'deploy-sentinel-prod-eu-x',
        'other',
      ),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,70}$/),
    );
    const arn = fc
      .tuple(name, fc.constantFrom('', ':$LATEST', ':3', ':live', ':'))
      .map(([n, q]) => `${functionArn(n)}${q}`);
    const body = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      arn.map((a) => JSON.stringify(invocationRecord({ id: 'e' }, a))),
    );
    const attributes = fc.option(fc.record({ TARGET_ARN: fc.oneof(arn, fc.string()) }), { nil: undefined });

    fc.assert(
      fc.property(body, attributes, (Body, attrs) => {
        const message = {
          MessageId: 'm',
          Body,
          ...(attrs
            ? { MessageAttributes: { TARGET_ARN: { DataType: 'String', StringValue: attrs.TARGET_ARN } } }
            : {}),
        };
        const decision = toRedrive(message, STACK);
        if (isSkip(decision)) return;
        expect(decision.functionName.startsWith('deploy-sentinel-prod-')).toBe(true);
        expect(decision.functionName.slice('deploy-sentinel-prod-'.length)).not.toContain('-');
        expect(decision.functionArn).toBe(functionArn(decision.functionName));
        expect(() => JSON.parse(decision.payload)).not.toThrow();
      }),
    );
  });
});

describe('parseFunctionArn', () => {
  it('reads partitions other than aws', () => {
    expect(
      parseFunctionArn('arn:aws-cn:lambda:cn-north-1:123456789012:function:deploy-sentinel-prod-streamState:$LATEST'),
    ).toEqual({
      partition: 'aws-cn',
      region: 'cn-north-1',
      account: '123456789012',
      name: 'deploy-sentinel-prod-streamState',
      qualifier: '$LATEST',
      unqualifiedArn: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:deploy-sentinel-prod-streamState',
    });
  });

  it('refuses what is not a function ARN', () => {
    expect(parseFunctionArn('deploy-sentinel-prod-streamState')).toBeUndefined();
    expect(parseFunctionArn('arn:aws:lambda:us-east-1:123456789012:layer:x:1')).toBeUndefined();
  });
});

describe('isSelected (--function)', () => {
  const decision = redrive(toRedrive(eventBridgeDeadLetter(loadEvent('codedeploy/deployment.failure.json')), STACK));

  it('selects by the serverless.yml key or the full function name', () => {
    expect(isSelected(decision, 'notifyDeployment', STACK)).toBe(true);
    expect(isSelected(decision, 'deploy-sentinel-prod-notifyDeployment', STACK)).toBe(true);
    expect(isSelected(decision, undefined, STACK)).toBe(true);
  });

  it('does not select another function', () => {
    expect(isSelected(decision, 'streamState', STACK)).toBe(false);
  });
});
