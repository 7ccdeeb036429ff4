import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type Message,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { DeadLetterMessage } from '../../../tools/redrive/decide.js';
import { runRedriveCli } from '../../../tools/redrive.js';
import { loadEvent } from '../../support/fixtures.js';
import { destinationDeadLetter, eventBridgeDeadLetter, functionArn, invocationRecord } from './messages.js';

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/deploy-sentinel-prod-dead-letters';
const NOTIFY = 'deploy-sentinel-prod-notifyDeployment';
const STREAM = 'deploy-sentinel-prod-streamState';

/**
 * An SQS queue behind the mocked client: receive hands out visible messages (at most
 * MaxNumberOfMessages) and hides them, delete removes, a visibility of 0 shows them again.
 */
const fakeQueue = (messages: DeadLetterMessage[]) => {
  const stored = messages.map((m) => ({ message: m, visible: true }));
  const byHandle = (handle: string | undefined) => stored.find((s) => s.message.ReceiptHandle === handle);
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: QUEUE_URL });
  sqs.on(ReceiveMessageCommand).callsFake((input: { MaxNumberOfMessages?: number }) => {
    const batch = stored.filter((s) => s.visible).slice(0, input.MaxNumberOfMessages ?? 1);
    for (const s of batch) s.visible = false;
    return { Messages: batch.map((s) => s.message as Message) };
  });
  sqs.on(DeleteMessageCommand).callsFake((input: { ReceiptHandle?: string }) => {
    const found = byHandle(input.ReceiptHandle);
    if (found) stored.splice(stored.indexOf(found), 1);
    return {};
  });
  sqs
    .on(ChangeMessageVisibilityBatchCommand)
    .callsFake((input: { Entries?: { Id: string; ReceiptHandle: string; VisibilityTimeout?: number }[] }) => {
      for (const entry of input.Entries ?? []) {
        const found = byHandle(entry.ReceiptHandle);
        if (found && entry.VisibilityTimeout === 0) found.visible = true;
      }
      return { Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id })), Failed: [] };
    });
  return {
    /** Bodies of the messages still in the queue, hidden or not. */
    remaining: () => stored.map((s) => s.message.MessageId),
    visible: () => stored.filter((s) => s.visible).map((s) => s.message.MessageId),
  };
};

const lambdaClientsAskedFor: Array<{ region?: string; profile?: string }> = [];
const run = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const code = await runRedriveCli(argv, {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    sqs: (region) => new SQSClient({ region: region ?? 'us-east-1', credentials }),
    lambda: (region, profile) => {
      lambdaClientsAskedFor.push({ region, profile });
      return new LambdaClient({ region: region ?? 'us-east-1', credentials });
    },
    serviceName: () => 'deploy-sentinel',
    queue: { waitSeconds: 0 },
  });
  return { code, out, err, text: out.join('\n') };
};

const failureEvent = () => loadEvent('codedeploy/deployment.failure.json');
const invokedPayloads = () =>
  lambda.commandCalls(InvokeCommand).map((c) => ({
    functionName: c.args[0].input.FunctionName,
    invocationType: c.args[0].input.InvocationType,
    payload: JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)),
  }));

beforeEach(() => {
  lambdaClientsAskedFor.length = 0;
  sqs.reset();
  lambda.reset();
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});

describe('npm run redrive', () => {
  it('finds the stage queue by name and re-drives each event asynchronously to its unqualified function', async () => {
    const event = failureEvent();
    const queue = fakeQueue([
      eventBridgeDeadLetter(event),
      destinationDeadLetter(invocationRecord(event, `${functionArn(STREAM)}:$LATEST`)),
    ]);

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1']);

    expect(code).toBe(0);
    expect(sqs.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toEqual({
      QueueName: 'deploy-sentinel-prod-dead-letters',
    });
    expect(invokedPayloads()).toEqual([
      { functionName: functionArn(NOTIFY), invocationType: 'Event', payload: event },
      { functionName: functionArn(STREAM), invocationType: 'Event', payload: event },
    ]);
    expect(queue.remaining()).toEqual([]);
    expect(text).toMatch(
      /REDRIVEN .*function=deploy-sentinel-prod-notifyDeployment origin=eventbridge-dlq event=4da0e943-b3ec-4865-8ef0-4cbce2432f0a deployment=d-F41LED001 error="NO_PERMISSIONS/,
    );
    expect(text).toMatch(
      /REDRIVEN .*function=deploy-sentinel-prod-streamState origin=lambda-destination .*error="SlackDeliveryError/,
    );
    expect(text).toMatch(/2 message\(s\) looked at: 2 re-driven, 0 failed/);
  });

  it('asks for message attributes and long-polls, hiding messages while it works on them', async () => {
    fakeQueue([eventBridgeDeadLetter(failureEvent())]);

    await run(['--stage', 'prod', '--region', 'us-east-1']);

    const receive = sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input;
    expect(receive).toMatchObject({
      QueueUrl: QUEUE_URL,
      MaxNumberOfMessages: 10,
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 0,
    });
    expect(receive?.VisibilityTimeout).toBeGreaterThanOrEqual(60);
  });

  it('uses --queue-url instead of looking the queue up', async () => {
    fakeQueue([]);

    const { code } = await run(['--stage', 'prod', '--region', 'us-east-1', '--queue-url', QUEUE_URL]);

    expect(code).toBe(0);
    expect(sqs.commandCalls(GetQueueUrlCommand)).toHaveLength(0);
  });

  it('changes nothing in a dry run and says what it would do', async () => {
    const queue = fakeQueue([
      eventBridgeDeadLetter(failureEvent()),
      destinationDeadLetter(
        invocationRecord(failureEvent(), functionArn('CodeDeployHook_deploy-sentinel-prod-before-install')),
      ),
    ]);

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1', '--dry-run']);

    expect(code).toBe(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(queue.remaining()).toHaveLength(2);
    // Received messages are visible again right away, as if never read.
    expect(queue.visible()).toHaveLength(2);
    expect(text).toMatch(/WOULD-REDRIVE .*function=deploy-sentinel-prod-notifyDeployment/);
    expect(text).toMatch(/LEFT .*left-because="a hook function/);
    expect(text).toMatch(/dry run, nothing changed: 2 message\(s\) looked at: 1 would be re-driven, 1 not re-drivable/);
  });

  it('keeps a message whose invoke failed, re-drives the others, and exits non-zero', async () => {
    const missing = eventBridgeDeadLetter(failureEvent(), functionArn('deploy-sentinel-prod-notifyAlarm'));
    const fine = eventBridgeDeadLetter(failureEvent());
    const queue = fakeQueue([missing, fine]);
    lambda
      .on(InvokeCommand, { FunctionName: functionArn('deploy-sentinel-prod-notifyAlarm') })
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1']);

    expect(code).toBe(1);
    expect(queue.remaining()).toEqual([missing.MessageId]);
    expect(queue.visible()).toEqual([missing.MessageId]);
    expect(text).toMatch(
      /FAILED .*function=deploy-sentinel-prod-notifyAlarm .*failed-because="invoke failed: ResourceNotFoundException: Function not found"/,
    );
    expect(text).toMatch(/1 re-driven, 1 failed/);
  });

  it('keeps the message when Lambda does not accept the event with 202', async () => {
    const queue = fakeQueue([eventBridgeDeadLetter(failureEvent())]);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1']);

    expect(code).toBe(1);
    expect(queue.remaining()).toHaveLength(1);
    expect(text).toMatch(/failed-because="Lambda answered 200, not 202"/);
  });

  it('reports an event that was re-driven but whose message could not be deleted', async () => {
    fakeQueue([eventBridgeDeadLetter(failureEvent())]);
    sqs.on(DeleteMessageCommand).rejects(new Error('Access to the resource is denied'));

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1']);

    expect(code).toBe(1);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(text).toMatch(/FAILED .*failed-because="invoked, but the message could not be deleted/);
  });

  it('leaves messages it cannot understand, of other stacks and of hooks, and reports each', async () => {
    const queue = fakeQueue([
      { MessageId: 'garbled', ReceiptHandle: 'garbled-handle', Body: '{"cut off' },
      destinationDeadLetter(invocationRecord(failureEvent(), functionArn('deploy-sentinel-staging-notifyDeployment'))),
      destinationDeadLetter(
        invocationRecord(
          loadEvent('hooks/after-allow-test-traffic.json'),
          functionArn('CodeDeployHook_deploy-sentinel-prod-after-test-traffic'),
        ),
      ),
    ]);

    const { code, out } = await run(['--stage', 'prod', '--region', 'us-east-1']);

    expect(code).toBe(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(queue.visible()).toHaveLength(3);
    expect(out.filter((l) => l.startsWith('LEFT'))).toHaveLength(3);
    expect(out.join('\n')).toMatch(/LEFT +message=garbled left-because="the body is not JSON/);
    expect(out.join('\n')).toMatch(/3 message\(s\) stay in the queue/);
  });

  it('re-drives only the function given with --function', async () => {
    const queue = fakeQueue([
      eventBridgeDeadLetter(failureEvent()),
      eventBridgeDeadLetter(failureEvent(), functionArn(STREAM)),
    ]);

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1', '--function', 'streamState']);

    expect(code).toBe(0);
    expect(invokedPayloads().map((i) => i.functionName)).toEqual([functionArn(STREAM)]);
    expect(queue.remaining()).toHaveLength(1);
    expect(text).toMatch(/NOT-SELECTED .*function=deploy-sentinel-prod-notifyDeployment/);
  });

  it('reads page after page until the queue is empty', async () => {
    const queue = fakeQueue(Array.from({ length: 25 }, () => eventBridgeDeadLetter(failureEvent())));

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1']);

    expect(code).toBe(0);
    expect(sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.MaxNumberOfMessages)).toEqual([
      10, 10, 10, 10,
    ]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(25);
    expect(queue.remaining()).toEqual([]);
    expect(text).toMatch(/25 message\(s\) looked at: 25 re-driven, 0 failed.*the queue has nothing more to read/);
  });

  it('stops at --max and leaves the rest for the next run', async () => {
    const queue = fakeQueue(Array.from({ length: 25 }, () => eventBridgeDeadLetter(failureEvent())));

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1', '--max', '12']);

    expect(code).toBe(0);
    expect(sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.MaxNumberOfMessages)).toEqual([10, 2]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(12);
    expect(queue.remaining()).toHaveLength(13);
    expect(text).toMatch(/--max reached/);
  });

  it('counts a message that comes back during the run once, and stops when only repeats come', async () => {
    const message = eventBridgeDeadLetter(failureEvent(), functionArn('deploy-sentinel-other-x'));
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message as Message] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1', '--queue-url', QUEUE_URL]);

    expect(code).toBe(0);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
    expect(text).toMatch(/1 message\(s\) looked at.*only messages already looked at came back/);
  });

  it('stops with the totals so far when the queue cannot be read, and shows left messages again', async () => {
    const hook = destinationDeadLetter(
      invocationRecord(
        loadEvent('hooks/after-allow-test-traffic.json'),
        functionArn('CodeDeployHook_deploy-sentinel-prod-after-test-traffic'),
      ),
    );
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [hook as Message] })
      .rejects(new Error('Throttled'));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });

    const { code, text, err } = await run(['--stage', 'prod', '--region', 'us-east-1', '--queue-url', QUEUE_URL]);

    expect(code).toBe(1);
    expect(text).toMatch(/1 message\(s\) looked at.*the queue could not be read/);
    expect(err.join('\n')).toMatch(/Throttled/);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]?.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: hook.ReceiptHandle, VisibilityTimeout: 0 },
    ]);
  });

  it('warns when left messages could not be made visible again', async () => {
    fakeQueue([{ MessageId: 'garbled', ReceiptHandle: 'h', Body: 'not json' }]);
    sqs
      .on(ChangeMessageVisibilityBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'expired' }] });

    const { code, text } = await run(['--stage', 'prod', '--region', 'us-east-1']);

    expect(code).toBe(0);
    expect(text).toMatch(/warning: VisibilityResetError: 1 message\(s\) stay hidden .*ReceiptHandleIsInvalid: expired/);
  });

  it('says so when the stage has no queue in the region', async () => {
    sqs
      .on(GetQueueUrlCommand)
      .rejects(new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }));

    const { code, err } = await run(['--stage', 'qa', '--region', 'eu-west-1']);

    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/no queue named deploy-sentinel-qa-dead-letters here/);
  });

  it.each([
    [[], /--stage is required/],
    [['--stage', 'prod', '--max', '0'], /--max must be a whole number above 0/],
    [['--stage', 'prod', '--max', 'lots'], /--max must be/],
    [['--stage', 'prod', '--purge'], /Unknown option '--purge'/],
  ])('refuses bad usage %j with exit code 2', async (argv, message) => {
    const { code, err } = await run(argv);

    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(message);
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe("npm run redrive -- --member: a member's forwarding queue", () => {
  const HUB = '111122223333';
  const MEMBER = '444455556666';
  const HUB_BUS = `arn:aws:events:eu-west-1:${HUB}:event-bus/deploy-sentinel-prod-hub`;
  const memberEvent = (file: string) => ({ ...loadEvent(file), account: MEMBER, region: 'us-east-1' });
  const forwardingDeadLetter = (event: unknown) =>
    eventBridgeDeadLetter(event, HUB_BUS, {
      RULE_ARN: `arn:aws:events:us-east-1:${MEMBER}:rule/deploy-sentinel-prod-member-deployments`,
      ERROR_CODE: 'NO_PERMISSIONS',
      ERROR_MESSAGE: 'Not authorized to put events on the bus',
    });
  const hubArn = (key: string) => `arn:aws:lambda:eu-west-1:${HUB}:function:deploy-sentinel-prod-${key}`;

  it('sends each event, as it was, to every hub function the hub bus would have invoked, then deletes it', async () => {
    const failure = memberEvent('codedeploy/deployment.failure.json');
    const alarm = memberEvent('cloudwatch/alarm.threshold-alarm.json');
    const queue = fakeQueue([forwardingDeadLetter(failure), forwardingDeadLetter(alarm)]);

    const { code, text } = await run([
      '--stage',
      'prod',
      '--region',
      'us-east-1',
      '--member',
      '--hub-region',
      'eu-west-1',
      '--hub-account',
      HUB,
      '--hub-profile',
      'hub-admin',
    ]);

    expect(code).toBe(0);
    expect(sqs.commandCalls(GetQueueUrlCommand)[0]?.args[0].input).toEqual({
      QueueName: 'deploy-sentinel-prod-member-dead-letters',
    });
    expect(lambdaClientsAskedFor).toEqual([{ region: 'eu-west-1', profile: 'hub-admin' }]);
    expect(invokedPayloads()).toEqual([
      { functionName: hubArn('notifyDeployment'), invocationType: 'Event', payload: failure },
      { functionName: hubArn('streamState'), invocationType: 'Event', payload: failure },
      { functionName: hubArn('cleanUpOrphans'), invocationType: 'Event', payload: failure },
      { functionName: hubArn('notifyAlarm'), invocationType: 'Event', payload: alarm },
      { functionName: hubArn('streamState'), invocationType: 'Event', payload: alarm },
    ]);
    expect(queue.remaining()).toEqual([]);
    expect(text).toMatch(/to the hub's functions in 111122223333\/eu-west-1/);
    expect(text).toMatch(
      /REDRIVEN .*function=deploy-sentinel-prod-notifyDeployment,deploy-sentinel-prod-streamState,deploy-sentinel-prod-cleanUpOrphans .*error="NO_PERMISSIONS/,
    );
  });

  it('keeps a message until every hub function took it, and narrows to --function', async () => {
    const failure = memberEvent('codedeploy/deployment.failure.json');
    lambda
      .on(InvokeCommand, { FunctionName: hubArn('streamState') })
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));
    const queue = fakeQueue([forwardingDeadLetter(failure)]);
    const argv = ['--stage', 'prod', '--member', '--hub-region', 'eu-west-1', '--hub-account', HUB];
    const failed = await run(argv);
    expect(failed.code).toBe(1);
    expect(queue.remaining()).toHaveLength(1);
    expect(failed.text).toMatch(
      /FAILED .*invoke failed \(arn:aws:lambda:eu-west-1:111122223333:function:deploy-sentinel-prod-streamState\)/,
    );

    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const narrowed = await run([...argv, '--function', 'notifyDeployment']);
    expect(narrowed.code).toBe(0);
    expect(invokedPayloads().map((p) => p.functionName)).toEqual([hubArn('notifyDeployment')]);
  });

  it('leaves what members never forward, and refuses hub options without --member', async () => {
    const queue = fakeQueue([forwardingDeadLetter(loadEvent('deploy-sentinel/cleanup.deleted.json'))]);
    const { code, text } = await run(['--stage', 'prod', '--member', '--hub-region', 'eu-west-1']);
    expect(code).toBe(0);
    expect(queue.remaining()).toHaveLength(1);
    expect(text).toMatch(/LEFT .*left-because="not an event members forward \(deploy-sentinel/);
    expect((await run(['--stage', 'prod', '--hub-region', 'eu-west-1'])).code).toBe(2);
  });
});
