import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { computeMetrics, formatMetricsTable } from '../tools/metrics/metrics.js';
import { readStreamRecords } from '../tools/metrics/reader.js';
import { formatHtmlReport } from '../tools/metrics/report.js';
import { runCommand } from '../tools/cli.js';
import { ROOT, emittedMetrics, packageService, readPackagedFunctions } from './harness.js';
import { renderSlackMessage } from './render-slack.js';
import { DEMO_MEMBERS, isExpectedFailure, memberEvent, startHub } from './hub.js';
import { HOOK_EXECUTION_IDS } from './scenario.js';
import { type ConversationRun, runConversation } from './conversation.js';
import { type AppPost, type Invocation, STAGE, STREAM_NAME, createRunner, startWorld } from './world.js';

/**
 * `npm start`: the service's main job on the local default. Packages the service, starts local
 * stand-ins for Slack (webhooks and the Web API), Kinesis, DynamoDB and the AWS APIs, feeds every
 * sample event to the functions whose rules in the packaged template match it, and prints what they
 * post, stream and delete; replays two events to show the second delivery turned away; shows app
 * mode's conversation of a failed deployment and its rollback (local/conversation.ts); the metrics
 * of the records read back from the stream also go to a deployment report, .local/report.html.
 */

/** Where the report of the scenario is written (the folder is not tracked by git). */
const REPORT_PATH = join(ROOT, '.local', 'report.html');

const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const dim = (s: string) => `\x1b[2m${s}\x1b[0m`;
const section = (title: string) =>
  console.log(`\n${bold(`━━ ${title} ${'━'.repeat(Math.max(0, 90 - title.length))}`)}`);

const describeEvent = (event: any): string => {
  const d = event?.detail ?? {};
  if (event?.source === 'aws.codedeploy')
    return `${d.application}/${d.deploymentGroup} ${d.deploymentId} ${d.instanceId ? `${d.instanceId} ` : ''}${d.state}`;
  if (event?.source === 'aws.cloudwatch') return `${d.alarmName} ${d.previousState?.value ?? '?'} → ${d.state?.value}`;
  if (event?.source === 'deploy-sentinel') return `${d.action} ${d.autoScalingGroupName ?? ''} (${d.reason})`;
  return 'not an event this service knows';
};

const describeResult = (inv: Invocation): string => {
  if (!inv.ok) return `✗ FAILED: ${inv.error?.name}: ${inv.error?.message} (Lambda would retry, then dead-letter it)`;
  const r = inv.result as any;
  if (inv.function.startsWith('notify'))
    return r?.posted ? `posted to Slack via route "${r.route}"` : `not posted: ${r?.skipped}`;
  if (inv.function === 'streamState')
    return `streamed a "${r?.kind}" record (event ${String(r?.eventId).slice(0, 8)}…)`;
  if (inv.function === 'cleanUpOrphans') {
    if (r?.ignored) return 'ignored';
    const parts = [
      r.deleted?.length && `deleted ${r.deleted.join(', ')}`,
      r.wouldDelete?.length && `would delete ${r.wouldDelete.join(', ')}`,
      r.kept?.length && `kept ${r.kept.map((k: any) => `${k.groupName ?? k.deploymentId} (${k.reason})`).join(', ')}`,
      r.greenInstances?.length &&
        `green instances still running: ${r.greenInstances.map((g: any) => g.instanceIds.join(' ')).join('; ')}`,
    ].filter(Boolean);
    return `${r.trigger} (${r.mode}): ${parts.join('; ') || 'nothing to clean up'}`;
  }
  if (inv.function.startsWith('hook'))
    return `${r.hook}${r.deploymentGroup ? ` for ${r.deploymentGroup}` : ''}: ${r.status} — ${r.reason} (report: ${r.report?.outcome ?? JSON.stringify(r.report)})`;
  return JSON.stringify(r);
};

const main = async (verbose: boolean): Promise<number> => {
  const started = Date.now();
  console.log(`${bold('deploy-sentinel: local run')} ${dim(`on Node ${process.version}, as Lambda's nodejs22.x`)}`);
  console.log(dim(`Packaging the service (serverless package --stage ${STAGE}) …`));
  packageService(STAGE);
  const functions = readPackagedFunctions();
  console.log(
    dim(
      `Packaged ${functions.length} functions in ${((Date.now() - started) / 1000).toFixed(1)} s: ${functions.map((f) => f.key).join(', ')}`,
    ),
  );

  const posted: Array<{ path: string }> = [];
  const appPosts: AppPost[] = [];
  const world = await startWorld({
    onSlack: (m) => {
      posted.push(m);
      const webhook = decodeURIComponent(m.path.replace('/hooks/', ''));
      console.log(`   ${bold('Slack')} ${dim(`(webhook "${webhook}")`)}\n${renderSlackMessage(m.body)}`);
    },
    onAppPost: (p) => {
      appPosts.push(p);
      console.log(
        `   ${bold('Slack app')} ${dim(`(${p.method} to #${p.channelName} ${p.channel}, ts ${p.message.ts})`)}\n${renderSlackMessage(p.message)}`,
      );
    },
  });
  // Function logs are JSON lines for CloudWatch, at the stage's level; here only warnings and errors
  // are shown as they are written (all of them with --verbose), and every line is kept.
  const runner = createRunner(world, functions, verbose ? { LOG_LEVEL: 'debug' } : {}, {
    showLevel: verbose ? 'debug' : 'warn',
  });
  const failures: Invocation[] = [];
  const deliverFile = async (file: string) => {
    const event = JSON.parse(readFileSync(file, 'utf8'));
    console.log(`\n▶ ${relative(ROOT, file)} ${dim(`— ${describeEvent(event)}`)}`);
    const invocations = await runner.deliver(event);
    if (invocations.length === 0)
      console.log(dim('   no rule in the template matches it: EventBridge would not deliver it'));
    for (const inv of invocations) {
      console.log(`   → ${bold(inv.function)}: ${describeResult(inv)}`);
      if (!inv.ok) failures.push(inv);
    }
    return invocations;
  };
  const drain = async () => {
    for (const { event, invocations } of await runner.drainBus()) {
      console.log(`\n▶ published on the bus by the cleanup ${dim(`— ${describeEvent(event)}`)}`);
      for (const inv of invocations) {
        console.log(`   → ${bold(inv.function)}: ${describeResult(inv)}`);
        if (!inv.ok) failures.push(inv);
      }
    }
  };
  const files = (dir: string) =>
    readdirSync(join(ROOT, 'events', dir))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(ROOT, 'events', dir, f));

  section('CodeDeploy deployment and instance events');
  // Chronological, so the stream history (and the metrics) read like the account's real one.
  const codedeploy = files('codedeploy').sort(
    (a, b) =>
      Date.parse(JSON.parse(readFileSync(a, 'utf8')).time) - Date.parse(JSON.parse(readFileSync(b, 'utf8')).time),
  );
  for (const file of codedeploy) await deliverFile(file);

  section('What the cleanup published, routed as EventBridge would');
  await drain();

  section("Scheduled sweep of the whole account (the cleanup's safety net)");
  const sweep = await runner.invoke('cleanUpOrphans', runner.schedule('cleanUpOrphans'));
  console.log(`   → ${bold('cleanUpOrphans')}: ${describeResult(sweep)}`);
  if (!sweep.ok) failures.push(sweep);
  await drain();
  console.log(`\n   Auto Scaling groups left: ${world.scenario.autoScalingGroups.map((g) => g.name).join(', ')}`);

  section('CloudWatch alarm state changes');
  for (const file of files('cloudwatch')) await deliverFile(file);

  section('Bad input: one log line and a fallback alert, never silence');
  for (const file of files('invalid')) {
    if ((await deliverFile(file)).length > 0) continue;
    // No rule delivers it; invoked directly it still gets a log line and a fallback alert.
    const inv = await runner.invoke('notifyDeployment', JSON.parse(readFileSync(file, 'utf8')));
    console.log(`   → ${bold('notifyDeployment')} (invoked directly): ${describeResult(inv)}`);
    if (!inv.ok) failures.push(inv);
  }

  section('Exactly once: events EventBridge delivers a second time');
  console.log(
    dim(
      '   EventBridge delivers at least once and Lambda retries failed invocations: the state table turns a second delivery away',
    ),
  );
  let turnedAway = 0;
  for (const [file, mode] of [
    ['codedeploy/deployment.ecs-start.json', 'app mode'],
    ['codedeploy/deployment.failure.json', 'webhook mode'],
  ] as const) {
    const event = JSON.parse(readFileSync(join(ROOT, 'events', file), 'utf8'));
    console.log(`\n▶ events/${file} again ${dim(`— ${describeEvent(event)}, event ${event.id} (${mode})`)}`);
    const calls = world.dynamodb.calls.length;
    const inv = await runner.invoke('notifyDeployment', event);
    console.log(`   → ${bold('notifyDeployment')}: ${describeResult(inv)}`);
    console.log(
      dim(`     (${world.dynamodb.calls.slice(calls).join(', ')} on the state table; nothing sent to Slack)`),
    );
    if (!inv.ok) failures.push(inv);
    if ((inv.result as any)?.duplicate) turnedAway += 1;
  }

  section('Hooks: orders/orders-ecs (d-EC5H00K01), then other groups through the same functions');
  console.log(dim(`   test listener on ${world.testListener.url}, answering healthy`));
  const pass = await runner.invoke(
    'hookAfterAllowTestTraffic',
    JSON.parse(readFileSync(join(ROOT, 'events', 'hooks', 'after-allow-test-traffic.json'), 'utf8')),
  );
  console.log(`   → ${bold('hookAfterAllowTestTraffic')}: ${describeResult(pass)}`);
  world.testListener.setMode('fail');
  console.log(dim('   test listener now answering 500 from /api/orders/ping'));
  const fail = await runner.invoke('hookBeforeAllowTraffic', {
    DeploymentId: 'd-EC5H00K01',
    LifecycleEventHookExecutionId: HOOK_EXECUTION_IDS.BeforeAllowTraffic,
  });
  console.log(`   → ${bold('hookBeforeAllowTraffic')}: ${describeResult(fail)}`);
  for (const inv of [pass, fail]) if (!inv.ok) failures.push(inv);

  // The same hook function, invoked for other groups of the account: each runs its own checks.
  const otherGroups: Array<[string, string]> = [
    ['before-allow-traffic.catalog.json', 'catalog/catalog-ecs (ECS, d-C4T4L0G01): its alarms, not the orders probe'],
    ['before-allow-traffic.lambda-pass.json', 'pricing/pricing-live (Lambda, d-L4MBD4001): pricing-api 6 → 7'],
    [
      'before-allow-traffic.lambda-throws.json',
      'pricing/pricing-quotes (Lambda, d-L4MBD4002): quotes-api 12 → 13, which throws',
    ],
  ];
  for (const [file, what] of otherGroups) {
    console.log(dim(`   ${what}`));
    const inv = await runner.invoke(
      'hookBeforeAllowTraffic',
      JSON.parse(readFileSync(join(ROOT, 'events', 'hooks', file), 'utf8')),
    );
    console.log(`   → ${bold('hookBeforeAllowTraffic')}: ${describeResult(inv)}`);
    if (!inv.ok) failures.push(inv);
  }
  const invoked = world.lambda.invocations.map(
    (i) => `${i.functionName}:${i.qualifier}${i.functionError ? ` (${i.functionError})` : ''}`,
  );
  console.log(dim(`   Lambda invocations (never the alias): ${invoked.join(', ') || 'none'}`));
  console.log(
    `   CodeDeploy recorded: ${world.scenario.hookReports.map((r) => `${r.lifecycleEventHookExecutionId.slice(0, 8)}… ${r.status}`).join(', ')}`,
  );

  section(`Kinesis stream "${STREAM_NAME}": records read back`);
  const read = await readStreamRecords(world.kinesis.client(), STREAM_NAME);
  const ordered = [...read.records].sort((a: any, b: any) => String(a.eventTime).localeCompare(String(b.eventTime)));
  for (const r of ordered as any[]) {
    const what =
      r.kind === 'unknown'
        ? 'an event of an unknown shape, kept raw'
        : r.kind === 'alarm'
          ? `${r.alarmName} ${r.state}`
          : r.kind === 'cleanup'
            ? `${r.cleanup?.action ?? ''} ${r.cleanup?.autoScalingGroupName ?? r.autoScalingGroupName ?? ''}`
            : `${r.application ?? ''}/${r.deploymentGroup ?? ''} ${r.deploymentId ?? ''} ${r.instanceId ?? ''} ${r.state ?? ''}`;
    console.log(
      `   ${r.eventTime}  ${r.kind.padEnd(10)} ${what.replace(/\s+/g, ' ').trim()}${r.enrichment?.status ? dim(`  (${r.enrichment.status}${r.enrichment.errorCode ? `, ${r.enrichment.errorCode}` : ''})`) : ''}`,
    );
  }
  console.log(
    dim(
      `   ${read.records.length} records from ${read.shards} shards${read.unreadable ? `, ${read.unreadable} unreadable` : ''}`,
    ),
  );

  section('Deployment metrics from the stream (npm run metrics)');
  const report = computeMetrics(read.records);
  console.log(formatMetricsTable(report));
  // The page `npm run metrics -- --stream NAME --html FILE` writes, of the same records.
  mkdirSync(join(ROOT, '.local'), { recursive: true });
  const page = formatHtmlReport(report, {
    description: `stream ${STREAM_NAME}`,
    unreadable: read.unreadable,
    unsupported: read.unsupported,
  });
  writeFileSync(REPORT_PATH, page);
  console.log(
    `\n   ${bold('Deployment report')}: ${relative(process.cwd(), REPORT_PATH) || REPORT_PATH} ${dim(`(${Math.ceil(Buffer.byteLength(page) / 1024)} KiB, one self-contained page: open it in a browser)`)}`,
  );

  section("The service's own telemetry: log lines and metrics (EMF) the functions wrote");
  const first = runner.invocations.find(
    (inv) => inv.function === 'notifyDeployment' && inv.output.lines.some((l) => l.message === 'alert posted'),
  );
  if (first) {
    const event = first.output.lines.find((l) => l.message === 'invocation');
    console.log(
      dim(
        `   One event (${String(event?.detailType)} ${String(event?.state)}), every line of its notifyDeployment invocation:`,
      ),
    );
    for (const line of first.output.lines) console.log(`   ${JSON.stringify(line)}`);
    for (const blob of first.output.metrics) console.log(dim(`   ${JSON.stringify(blob)}`));
  }
  const totals = new Map<string, number>();
  for (const m of emittedMetrics(runner.invocations.flatMap((inv) => inv.output.metrics))) {
    const key = `${m.name.padEnd(18)} ${Object.entries(m.dimensions)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`;
    totals.set(key, (totals.get(key) ?? 0) + m.value);
  }
  console.log(
    dim(
      `\n   Metrics read back from the EMF lines of ${runner.invocations.length} invocations (namespace DeploySentinel, service and stage dimensions aside), summed:`,
    ),
  );
  for (const [key, value] of [...totals].sort(([a], [b]) => a.localeCompare(b)))
    console.log(`   ${String(value).padStart(5)}  ${key}`);

  // It runs in a world of its own, and the functions of this one are all loaded by now.
  section('One conversation per deployment (app mode): checkout d-F41LED001 and its rollback');
  console.log(
    dim(
      '   A parent per deployment, edited in place; the details in its thread; a fresh local account, the same packaged functions',
    ),
  );
  const conversation: ConversationRun = await runConversation(functions, verbose);
  failures.push(...conversation.failures);
  await runHubPart(world, functions, verbose, failures);

  section('Summary');
  // The hub's own account: members' deletions are listed in the hub part.
  const deleted = world.aws.calls
    .filter((c) => c.operation === 'DeleteAutoScalingGroup' && !c.caller?.accessKeyId?.startsWith('ASIA'))
    .map((c) => (c.input as Record<string, string>).AutoScalingGroupName);
  console.log(`   Slack messages posted:   ${posted.length} by webhook, ${appPosts.length} by the Slack app`);
  console.log(`   Duplicates turned away:  ${turnedAway + conversation.duplicates}`);
  const perDeployment = Object.entries(conversation.calls)
    .map(([owner, counts]) => `${owner} ${Object.values(counts).reduce((a, b) => a + b, 0)}`)
    .join(', ');
  console.log(`   Slack calls per deployment (conversation section): ${perDeployment}`);
  console.log(`   Late events that left the parent as it was: ${conversation.late}`);
  console.log(`   Kinesis records:         ${read.records.length}`);
  console.log(`   Deployment report:       ${relative(process.cwd(), REPORT_PATH) || REPORT_PATH}`);
  console.log(`   Auto Scaling deletions:  ${deleted.join(', ') || 'none'}`);
  console.log(`   Hook reports:            ${world.scenario.hookReports.map((r) => r.status).join(', ')}`);
  console.log(
    `   Failed invocations:      ${failures.length}${failures.length ? ` (${failures.map((f) => f.function).join(', ')})` : ''}`,
  );
  console.log(
    dim(
      `   Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Everything ran on 127.0.0.1; nothing left this machine.`,
    ),
  );
  await world.close();
  return failures.length ? 1 : 0;
};

/** The organisation hub: member events on the hub bus, served in each member's own account and region. */
const runHubPart = async (
  world: Awaited<ReturnType<typeof startWorld>>,
  functions: ReturnType<typeof readPackagedFunctions>,
  verbose: boolean,
  failures: Invocation[],
) => {
  section('Organisation hub (deploymentMode=hub): members in two regions, one without its roles');
  const hub = startHub(world, functions, verbose ? {} : { LOG_LEVEL: 'warn' });
  console.log(
    dim(
      `   The same bundles as a hub in ${world.scenario.account} (${world.scenario.region}) would run them; members: ${DEMO_MEMBERS.map((m) => `${m.name} ${m.account} ${m.region}${m.hasRoles ? '' : ' (no member roles)'}`).join(', ')}`,
    ),
  );
  const show = (inv: Invocation) => {
    const expected = isExpectedFailure(inv);
    const r = inv.result as any;
    let text = describeResult(inv);
    if (inv.ok && Array.isArray(r?.targets))
      text = `sweep of ${r.targets.length} accounts and regions: deleted ${r.deleted.join(', ') || 'nothing'}`;
    const summary = (inv.error as any)?.summary;
    if (!inv.ok && Array.isArray(summary?.targets))
      text = `✗ FAILED: ${summary.targets.map((t: any) => `${t.account}/${t.region} ${t.outcome}${t.error ? ` (${t.error})` : ''}`).join('; ')}; deleted ${summary.deleted.join(', ') || 'nothing'}`;
    console.log(
      `   → ${bold(inv.function)}: ${text}${expected ? dim('  (as intended: that member has no roles)') : ''}`,
    );
    if (!inv.ok && !expected) failures.push(inv);
  };
  for (const member of hub.members) {
    const event = memberEvent('codedeploy/deployment.failure.json', member);
    console.log(`\n▶ ${member.name} (${member.account}, ${member.region}) ${dim(`— ${describeEvent(event)}`)}`);
    for (const inv of await hub.runner.deliver(event)) show(inv);
  }
  const drainHub = async () => {
    for (const { event, invocations } of await hub.runner.drainBus()) {
      const d = (event as any).detail ?? {};
      console.log(
        `\n▶ published on the hub's bus by the cleanup ${dim(`— ${describeEvent(event)} in ${d.account ?? '?'}/${d.region ?? '?'}`)}`,
      );
      for (const inv of invocations) show(inv);
    }
  };
  await drainHub();
  console.log(`\n▶ scheduled sweep of the organisation ${dim('(the hub, then each member account and region)')}`);
  show(await hub.runner.invoke('cleanUpOrphans', hub.runner.schedule('cleanUpOrphans')));
  await drainHub();
  console.log('');
  for (const member of hub.members) {
    const left = member.groups().filter((n) => n.startsWith('CodeDeploy_checkout-prod_'));
    console.log(
      `   ${member.name.padEnd(15)} ${member.account} ${member.region.padEnd(10)} groups left: ${left.join(', ')}`,
    );
  }
  const deletions = world.aws.calls
    .filter((c) => c.operation === 'DeleteAutoScalingGroup' && c.caller?.accessKeyId?.startsWith('ASIA'))
    .map(
      (c) =>
        `${(c.input as Record<string, string>).AutoScalingGroupName} in ${c.caller?.accessKeyId?.slice(4, 16)}/${c.caller?.region}`,
    );
  console.log(`   Member deletions:        ${deletions.join('; ') || 'none'}`);
  console.log(
    `   AssumeRole calls:        ${world.sts.assumed.length} (${[...new Set(world.sts.assumed)].map((arn) => `${arn.split(':')[4]} ${arn.split('/').pop()}${world.sts.roles.has(arn) ? '' : ' AccessDenied'}`).join(', ')})`,
  );
};

const USAGE = "usage: npm start [-- --verbose]   (--verbose: the functions' own log lines too)";

process.exitCode = await runCommand(
  process.argv.slice(2),
  { usage: USAGE, options: { verbose: { type: 'boolean', default: false } } },
  (values) => main(values.verbose),
).catch((error) => {
  console.error(error);
  return 1;
});
