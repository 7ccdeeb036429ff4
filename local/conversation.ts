import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import { ROOT, type PackagedFunction } from './harness.js';
import { renderSlackMessage } from './render-slack.js';
import type { ShownMessage } from './standins/slack.js';
import { type Invocation, createRunner, startWorld } from './world.js';

/**
 * The `npm start` section for app mode's conversations: the sample failed blue/green deployment of
 * checkout (d-F41LED001: START, READY, two instance failures, the alarm that fires while it runs,
 * FAILURE and the cleanup of its copied group) and its automatic rollback (d-R0LLBK001), delivered
 * to the packaged functions in a world of its own, then one duplicate and one late (out-of-order)
 * event. It prints each channel as a person finally reads it, threads indented under their
 * parents, and counts the Slack calls each deployment cost.
 */

export const CHECKOUT_CHANNEL = 'C0CHECKOUT1';
const FAILED = 'd-F41LED001';
const ROLLBACK = 'd-R0LLBK001';

const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;

const sample = (file: string): Record<string, any> =>
  JSON.parse(readFileSync(join(ROOT, 'events', file), 'utf8')) as Record<string, any>;

/** A sample deployment event as another state of the deployment, at another time, with an id of its own. */
const deploymentEvent = (deploymentId: string, state: string, time: string) => {
  const e = sample('codedeploy/deployment.failure.json');
  return { ...e, id: randomUUID(), time, detail: { ...e.detail, deploymentId, state } };
};
const instanceEvent = (instanceId: string, time: string) => {
  const e = sample('codedeploy/instance.failure.json');
  return { ...e, id: randomUUID(), time, detail: { ...e.detail, instanceId } };
};

/** Slack calls of one deployment: Web API methods and webhook posts. */
export type CallCounts = Record<string, number>;

export interface ConversationRun {
  /** Slack calls per deployment (the alarm's own post counted apart). */
  calls: Record<string, CallCounts>;
  failures: Invocation[];
  duplicates: number;
  /** Late events that left the parent as it was. */
  late: number;
}

const indent = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');

/** A channel as a person reads it: each parent, its thread indented under it. */
const printChannel = (name: string, id: string, messages: ShownMessage[]) => {
  console.log(`\n   ${bold(`#${name}`)} ${dim(`(${id}), as it finally reads:`)}`);
  for (const m of messages) {
    if (m.broadcast) {
      console.log(dim(`   (a thread reply also sent to the channel: ${m.text})`));
      continue;
    }
    console.log(`${renderSlackMessage(m)}${m.edited ? dim(' (edited)') : ''}`);
    if (m.replies.length) console.log(dim(`      ┃ ${m.replies.length} repl${m.replies.length === 1 ? 'y' : 'ies'}`));
    for (const r of m.replies) {
      console.log(indent(renderSlackMessage(r, 100), '      ┃'));
      if (r.broadcast) console.log(dim('      ┃     (also sent to the channel)'));
      console.log('      ┃');
    }
  }
};

/** Runs the section; the caller has packaged the service and hands in its functions. */
export const runConversation = async (functions: PackagedFunction[], verbose: boolean): Promise<ConversationRun> => {
  const webhooks: Array<{ path: string; body: any }> = [];
  const world = await startWorld({ onSlack: (m) => webhooks.push(m) });
  const runner = createRunner(world, functions, verbose ? {} : { LOG_LEVEL: 'warn' }, {
    unpackInto: join(ROOT, '.local', 'functions-conversation'),
  });
  const result: ConversationRun = { calls: {}, failures: [], duplicates: 0, late: 0 };
  const deployments = world.scenario.deployments;
  const find = (id: string) => deployments.find((d) => d.deploymentId === id)!;
  // While they run, CodeDeploy says they are in progress; the scenario holds how they ended.
  const ended = new Map<string, DeploymentInfo>([FAILED, ROLLBACK].map((id) => [id, structuredClone(find(id))]));
  const running = (id: string) => {
    const d = find(id);
    d.status = 'InProgress';
    delete d.completeTime;
    delete d.errorInformation;
    // A rollback knows from its start what it rolls back; the failed one learns of it when it fails.
    if (!d.rollbackInfo?.rollbackTriggeringDeploymentId) delete d.rollbackInfo;
  };
  const end = (id: string) => Object.assign(find(id), structuredClone(ended.get(id)!));

  const tally = (owner: string, from: number, webhooksFrom: number) => {
    const counts = (result.calls[owner] ??= {});
    for (const call of world.slack.api.calls.slice(from)) counts[call.method] = (counts[call.method] ?? 0) + 1;
    const posted = webhooks.length - webhooksFrom;
    if (posted) counts.webhook = (counts.webhook ?? 0) + posted;
    const made = world.slack.api.calls.slice(from).map((c) => c.method);
    return [...made, ...Array.from({ length: posted }, () => 'webhook post')];
  };
  const show = (invocations: Invocation[], made: string[]) => {
    for (const inv of invocations.filter((i) => i.function === 'notifyDeployment' || i.function === 'notifyAlarm')) {
      const r = inv.result as any;
      const what = !inv.ok
        ? `✗ FAILED: ${inv.error?.name}: ${inv.error?.message}`
        : r?.posted
          ? `posted (route "${r.route}")`
          : `not posted: ${r?.skipped}`;
      console.log(`   → ${bold(inv.function)}: ${what} ${dim(`— Slack: ${made.join(', ') || 'nothing'}`)}`);
      if (!inv.ok) result.failures.push(inv);
    }
  };
  const send = async (what: string, event: Record<string, any>, owner: string) => {
    console.log(`\n▶ ${what} ${dim(`(event time ${event.time})`)}`);
    const from = world.slack.api.calls.length;
    const webhooksFrom = webhooks.length;
    const invocations = await runner.deliver(event);
    show(invocations, tally(owner, from, webhooksFrom));
    return invocations;
  };

  running(FAILED);
  await send(`${FAILED} START`, deploymentEvent(FAILED, 'START', '2026-11-20T15:00:02Z'), FAILED);
  await send(`${FAILED} READY`, deploymentEvent(FAILED, 'READY', '2026-11-20T15:08:10Z'), FAILED);
  for (const [instance, time] of [
    ['i-0a1b2c3d4e5f60001', '2026-11-20T15:12:31Z'],
    ['i-0a1b2c3d4e5f60002', '2026-11-20T15:12:33Z'],
  ] as const)
    await send(`${FAILED} instance ${instance} FAILURE`, instanceEvent(instance, time), FAILED);
  const alarm = { ...sample('cloudwatch/alarm.threshold-alarm.json'), id: randomUUID(), time: '2026-11-20T15:12:40Z' };
  await send('alarm checkout-5xx OK → ALARM, while the deployment runs', alarm, `alarm checkout-5xx`);
  end(FAILED);
  const failure = sample('codedeploy/deployment.failure.json');
  const failed = await send(`${FAILED} FAILURE`, failure, FAILED);
  const cleanup = failed.find((i) => i.function === 'cleanUpOrphans')?.result as any;
  if (cleanup?.deleted?.length) console.log(dim(`   → cleanUpOrphans: deleted ${cleanup.deleted.join(', ')}`));
  const from = world.slack.api.calls.length;
  const webhooksFrom = webhooks.length;
  for (const { event, invocations } of await runner.drainBus()) {
    console.log(`\n▶ published on the bus by the cleanup ${dim(`— ${(event.detail as any)?.action}`)}`);
    show(invocations, tally(FAILED, from, webhooksFrom));
  }
  running(ROLLBACK);
  await send(
    `${ROLLBACK} START (the automatic rollback)`,
    deploymentEvent(ROLLBACK, 'START', '2026-11-20T15:12:49Z'),
    ROLLBACK,
  );
  end(ROLLBACK);
  await send(`${ROLLBACK} SUCCESS`, sample('codedeploy/deployment.rollback-success.json'), ROLLBACK);

  console.log(`\n${dim('   Replayed: EventBridge delivers at least once, and late')}`);
  const duplicate = await send(`${FAILED} FAILURE again, the same event ${failure.id}`, failure, FAILED);
  if ((duplicate.find((i) => i.function === 'notifyDeployment')?.result as any)?.duplicate) result.duplicates += 1;
  const before = JSON.stringify(world.slack.api.channel(CHECKOUT_CHANNEL)[0]);
  await send(
    `${FAILED} READY arriving after its FAILURE (out of order)`,
    deploymentEvent(FAILED, 'READY', '2026-11-20T15:10:30Z'),
    FAILED,
  );
  if (JSON.stringify(world.slack.api.channel(CHECKOUT_CHANNEL)[0]) === before) result.late += 1;

  printChannel('checkout-team', CHECKOUT_CHANNEL, world.slack.api.channel(CHECKOUT_CHANNEL));
  for (const [path, name] of [
    ['/hooks/checkout-oncall', 'checkout-oncall (webhook)'],
    ['/hooks/default', 'deployments (the default webhook)'],
  ] as const) {
    const posts = webhooks.filter((m) => m.path === path);
    console.log(
      `\n   ${bold(`#${name}`)} ${dim(`${posts.length} standalone message(s), each linking the conversation:`)}`,
    );
    for (const m of posts) console.log(dim(`     ${String(m.body.text).split('\n')[0]}`));
  }
  console.log(`\n   ${bold('Slack calls per deployment')}`);
  for (const [owner, counts] of Object.entries(result.calls))
    console.log(
      `     ${owner.padEnd(20)} ${Object.entries(counts)
        .map(([method, n]) => `${method} ×${n}`)
        .join(', ')}`,
    );
  await world.close();
  return result;
};
