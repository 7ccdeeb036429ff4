import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ProcessFigures, handlerMetafile, runProcess, topContributors } from './bench/bundles.js';
import { readStreamRecords } from './metrics/reader.js';
import { runCommand } from './cli.js';
import { writeGeneratedRecords } from './generate-records.js';
import { type PackagedFunction, ROOT, packageService, readPackagedFunctions, unpack } from '../local/harness.js';
import { memberEvent, memberRoleNames, startHub } from '../local/hub.js';
import { createScenario } from '../local/scenario.js';
import { benchOrganisationSweep } from '../local/standins/bench-organisation.js';
import { benchSweep } from '../local/standins/generate-account.js';
import { STREAM_NAME, createRunner, startWorld } from '../local/world.js';

/**
 * `npm run bench`: figures, no assertions. Bundle sizes, cold import time per function (fresh
 * node processes importing the packaged handler), per-event time and AWS calls against the local
 * stand-ins, the cleanup sweep at 1,000 and 10,000 groups, the metrics reader against the cost of
 * parsing its input, and the HTML report against the reader's own time; for an organisation hub, the
 * per-event cost of a member's event with and without its role cached, and a sweep of ten accounts.
 * Numbers from this machine's loopback; real AWS adds network latency to every call.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
const table = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const [n, row] of rows.entries()) {
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
};

/** Environment a handler needs at import (config is read at cold start); nothing is called. */
const importEnv = (fn: PackagedFunction): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(fn.environment).filter((e): e is [string, string] => e[1] !== undefined)),
  STATE_STREAM_NAME: STREAM_NAME,
  AWS_REGION: 'us-east-1',
  PATH: process.env.PATH ?? '',
});

/** A stage packaged with settings/default.yml: the notifiers post through webhooks only. */
const WEBHOOK_ONLY_STAGE = 'bench';

/**
 * Per function: zip and bundle sizes, then a fresh process requiring the handler paired with a bare
 * `node -e 0` run just before it (alternating, so a busy moment of the machine falls on both), whole
 * process time and peak memory, and the require alone timed inside the process; then where the
 * bundle's bytes come from (its esbuild metafile). The notifiers are measured twice: packaged with
 * webhook routes only (settings/default.yml), and with app-mode channels too (settings/local.yml);
 * both carry the same code, and app mode loads the Slack client on its first post (per event below).
 */
const bundles = async () => {
  const rows = [
    ['function', 'zip', 'bundle', 'require (in process)', 'process', 'bare node', 'over bare', 'peak RSS', 'over bare'],
  ];
  const measure = async (fn: PackagedFunction, label: string) => {
    const file = await unpack(fn);
    const env = importEnv(fn);
    const loaded: ProcessFigures[] = [];
    const bare: ProcessFigures[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      bare.push(runProcess(undefined, env));
      loaded.push(runProcess(file, env));
    }
    const ms = median(loaded.map((f) => f.ms));
    const bareMs = median(bare.map((f) => f.ms));
    const rss = median(loaded.map((f) => f.maxRssKiB)) / 1024;
    const bareRss = median(bare.map((f) => f.maxRssKiB)) / 1024;
    rows.push([
      label,
      `${(statSync(fn.zip).size / 1024).toFixed(0)} KiB`,
      `${(statSync(file).size / 1024).toFixed(0)} KiB`,
      fmt(median(loaded.map((f) => f.requireMs))),
      fmt(ms),
      fmt(bareMs),
      `+${(ms - bareMs).toFixed(0)} ms`,
      `${rss.toFixed(0)} MiB`,
      `+${(rss - bareRss).toFixed(0)} MiB`,
    ]);
  };
  const isNotifier = (fn: PackagedFunction) => fn.key.startsWith('notify');

  packageService(WEBHOOK_ONLY_STAGE);
  for (const fn of readPackagedFunctions().filter(isNotifier)) await measure(fn, `${fn.key} (webhook only)`);

  // Packaged last: the per-event and sweep figures below run this stage's zips.
  const t = performance.now();
  packageService('local');
  console.log(`serverless package --stage local: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const origins: string[] = [];
  const seen = new Set<string>();
  for (const fn of readPackagedFunctions()) {
    await measure(fn, isNotifier(fn) ? `${fn.key} (webhook + app)` : fn.key);
    // The hook functions share one handler: its contributors once, per output file.
    if (seen.has(fn.handlerFile)) continue;
    seen.add(fn.handlerFile);
    origins.push(...topContributors(await handlerMetafile(ROOT, 'local', fn.handlerFile)));
  }
  console.log(
    `\nBundles (each function carries only the clients it imports); times are medians of ${RUNS} fresh processes, each paired with a bare \`node -e 0\`:`,
  );
  table(rows);
  console.log('\nLargest contributors per bundle (KiB in the minified bundle, from its esbuild metafile):');
  for (const line of origins) console.log(`  ${line}`);
};

const perEvent = async () => {
  const world = await startWorld();
  const runner = createRunner(world, undefined, { LOG_LEVEL: 'error' });
  // Every run is a new event (its own id), as EventBridge sends them: the same id twice is a duplicate.
  const load = (rel: string) => ({ ...JSON.parse(readFileSync(join(ROOT, 'events', rel), 'utf8')), id: randomUUID() });
  const rows = [
    [
      'function',
      'event',
      'first (cold container)',
      `warm median (${RUNS})`,
      'AWS calls / event',
      'DynamoDB calls / event',
      'Slack calls / event',
    ],
  ];
  const measure = async (key: string, label: string, event: () => Record<string, unknown>) => {
    const times: number[] = [];
    let calls = 0;
    let tableCalls = '';
    let slackCalls = '';
    let first = 0;
    for (let i = 0; i <= RUNS; i += 1) {
      const callsBefore = world.aws.calls.length;
      const tableBefore = world.dynamodb.calls.length;
      const webhookBefore = world.slack.requests.length;
      const apiBefore = world.slack.api.calls.length;
      const t = performance.now();
      const inv = await runner.invoke(key, event());
      const ms = performance.now() - t;
      if (!inv.ok) throw new Error(`${key} failed: ${inv.error?.message}`);
      if (i === 0) first = ms;
      else {
        times.push(ms);
        calls = world.aws.calls.length - callsBefore;
        const table = world.dynamodb.calls.slice(tableBefore);
        tableCalls = table.length ? `${table.length} (${table.join(', ')})` : '0';
        const api = world.slack.api.calls.slice(apiBefore).map((c) => c.method);
        const webhook = world.slack.requests.length - webhookBefore;
        slackCalls = api.length ? `${api.length} (${api.join(', ')})` : webhook ? `${webhook} (webhook)` : '0';
      }
    }
    rows.push([
      key,
      label,
      fmt(first),
      `${fmt(median(times))} (${spread(times)})`,
      String(calls),
      tableCalls,
      slackCalls,
    ]);
  };
  await measure('notifyDeployment', 'FAILURE (GetDeployment + failed targets)', () =>
    load('codedeploy/deployment.failure.json'),
  );
  await measure('notifyDeployment', 'SUCCESS (GetDeployment)', () => load('codedeploy/deployment.success.json'));
  // App mode keeps one conversation per deployment: the same deployment's START again changes nothing
  // in Slack, so each run starts a deployment of its own (a copy of the sample's, known to CodeDeploy).
  await measure('notifyDeployment', 'START of a deployment, app mode (chat.postMessage)', () => {
    const event = load('codedeploy/deployment.ecs-start.json');
    const sample = world.scenario.deployments.find((d) => d.deploymentId === event.detail.deploymentId)!;
    const deploymentId = `d-${randomUUID().replace(/-/g, '').slice(0, 9).toUpperCase()}`;
    world.scenario.deployments.push({ ...sample, deploymentId });
    return { ...event, detail: { ...event.detail, deploymentId } };
  });
  const duplicate = load('codedeploy/deployment.ecs-start.json');
  await runner.invoke('notifyDeployment', duplicate);
  await measure('notifyDeployment', 'START again, a duplicate turned away', () => duplicate);
  await measure('notifyAlarm', 'threshold ALARM (group scan cached)', () =>
    load('cloudwatch/alarm.threshold-alarm.json'),
  );
  await measure('streamState', 'deployment FAILURE (+1 PutRecords)', () => load('codedeploy/deployment.failure.json'));
  await measure('streamState', 'alarm (+1 PutRecords)', () => load('cloudwatch/alarm.threshold-alarm.json'));
  world.testListener.setMode('pass');
  await measure('hookBeforeAllowTraffic', 'one passing HTTP check, invocation to report', () => {
    const id = randomUUID();
    world.scenario.hookExecutions.push({
      lifecycleEventHookExecutionId: id,
      deploymentId: 'd-EC5H00K01',
      lifecycleEventName: 'BeforeAllowTraffic',
      status: 'InProgress' as never,
    });
    return { DeploymentId: 'd-EC5H00K01', LifecycleEventHookExecutionId: id };
  });
  const { records } = await readStreamRecords(world.kinesis.client(), STREAM_NAME);
  await world.close();
  console.log(
    `\nPer event, through the packaged bundle against the local stand-ins (Kinesis and DynamoDB calls are not in "AWS calls"; ${records.length} records were written):`,
  );
  table(rows);
};

/**
 * A hub's per-event cost: the same bundle serving the hub's own account (no role), a member whose
 * role is cached in the container, and members it has not served before (AssumeRole on the event).
 */
const hubPerEvent = async () => {
  const world = await startWorld();
  const hub = startHub(world, readPackagedFunctions(), { LOG_LEVEL: 'error' });
  const member = hub.members.find((m) => m.hasRoles)!;
  const load = (rel: string) => JSON.parse(readFileSync(join(ROOT, 'events', rel), 'utf8'));
  const rows = [['event', `warm median (${RUNS})`, 'min–max', 'AssumeRole / event', 'other AWS calls / event']];
  const measure = async (label: string, event: () => Record<string, unknown>) => {
    const times: number[] = [];
    let assumed = 0;
    let calls = 0;
    // The first invocation loads the container; the figures are of the ones after it.
    for (let i = 0; i <= RUNS; i += 1) {
      const stsBefore = world.sts.assumed.length;
      const callsBefore = world.aws.calls.length;
      const t = performance.now();
      const inv = await hub.runner.invoke('notifyDeployment', event());
      const ms = performance.now() - t;
      if (!inv.ok) throw new Error(`notifyDeployment failed: ${inv.error?.message}`);
      if (i === 0) continue;
      times.push(ms);
      assumed = world.sts.assumed.length - stsBefore;
      calls = world.aws.calls.length - callsBefore - assumed;
    }
    rows.push([label, fmt(median(times)), spread(times), String(assumed), String(calls)]);
  };
  await measure("hub's own account (no role)", () => load('codedeploy/deployment.failure.json'));
  await measure(`member ${member.account}, role cached`, () =>
    memberEvent('codedeploy/deployment.failure.json', member),
  );
  // A member the container has not served yet: its role is assumed (and its clients built) on this event.
  const fresh = Array.from({ length: RUNS + 1 }, (_, i) => {
    const account = String(310000000000 + i);
    world.addPlace(createScenario(world.scenario.now.getTime()), account, 'us-east-1', memberRoleNames());
    return { account, name: account, region: 'us-east-1', hasRoles: true };
  });
  let next = 0;
  await measure('a member not served before (role assumed)', () =>
    memberEvent('codedeploy/deployment.failure.json', fresh[next++]!),
  );
  await world.close();
  console.log(
    '\nHub, notifyDeployment on a FAILURE event (GetDeployment + failed targets), packaged bundle, stand-ins:',
  );
  table(rows);
};

const main = async (quick: boolean, bundlesOnly: boolean) => {
  console.log('deploy-sentinel bench');
  console.log(`node ${process.version}, ${RUNS} runs per figure\n`);
  await bundles();
  if (bundlesOnly) return;

  await perEvent();

  console.log('\nCleanup sweep of a generated account (real SDK clients, stand-ins on 127.0.0.1):');
  const sweepRows = [['groups', 'time', 'deleted', 'as expected', 'API calls', 'by operation']];
  for (const groups of quick ? [1_000] : [1_000, 10_000]) {
    const r = await benchSweep({ groups, seed: 7 });
    const total = Object.values(r.apiCalls).reduce((a, b) => a + b, 0);
    sweepRows.push([
      String(groups),
      `${(r.elapsedMs / 1000).toFixed(1)} s`,
      String(r.summary.deleted.length),
      String(r.asExpected),
      String(total),
      Object.entries(r.apiCalls)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]);
  }
  table(sweepRows);

  await hubPerEvent();
  console.log(
    '\nOrganisation sweep: the hub and 9 members (two regions), 1,000 groups each, members through their role:',
  );
  const org = await benchOrganisationSweep({ accounts: 10, groups: 1_000 });
  const orgCalls = Object.values(org.apiCalls).reduce((a, b) => a + b, 0);
  table([
    ['accounts × groups', 'time', 'deleted', 'as expected', 'swept', 'not reached', 'AssumeRole', 'API calls'],
    [
      `${org.accounts} × ${org.groupsPerAccount}`,
      `${(org.elapsedMs / 1000).toFixed(1)} s`,
      String(org.summary.deleted.length),
      String(org.asExpected),
      String(org.summary.targets.filter((t) => t.outcome === 'swept').length),
      String(org.summary.notReached.length),
      String(org.assumeRoleCalls),
      String(orgCalls),
    ],
  ]);

  await metricsReader(quick);
};

/** A child process's figures: its timed part, its whole run, and the most memory it ever held. */
interface ChildFigures {
  ms: number;
  processMs: number;
  maxRssKiB: number;
  /** The report run: the read and computation, then the page (built and written), and its size. */
  readMs?: number;
  pageBytes?: number;
  weeks?: number;
}

// The floor: what any reader of the file must do, reading it (64 KiB at a time, the fastest here),
// splitting it into lines and JSON.parse-ing each, and nothing else.
const PARSE_FLOOR = `
import { createReadStream } from 'node:fs';
const started = performance.now();
let rest = '';
let parsed = 0;
for await (const chunk of createReadStream(process.argv[1], { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
  const text = rest + chunk;
  let start = 0;
  for (let end = text.indexOf('\\n', rest.length); end !== -1; end = text.indexOf('\\n', start)) {
    if (end > start) {
      JSON.parse(text.slice(start, end));
      parsed += 1;
    }
    start = end + 1;
  }
  rest = text.slice(start);
}
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, parsed, maxRssKiB: process.resourceUsage().maxRSS }));
`;

// The reader: `npm run metrics -- --file F --json` in the same process as the command runs it (tsx),
// timed from the call to the printed report; its output is dropped.
const READER = (root: string) => `
const { runMetricsCli } = await import(${JSON.stringify(pathToFileURL(join(root, 'tools', 'metrics.ts')).href)});
const started = performance.now();
const code = await runMetricsCli(['--file', process.argv[1], '--json'], {
  stdout: () => {},
  stderr: (text) => process.stderr.write(text + '\\n'),
});
const ms = performance.now() - started;
if (code !== 0) process.exit(code);
process.stdout.write(JSON.stringify({ ms, maxRssKiB: process.resourceUsage().maxRSS }));
`;

// The report: what `npm run metrics -- --file F --html P` does, its two parts timed apart: the read
// and computation, then building and writing the page.
const REPORT = (root: string) => `
const module = (path) => import(${JSON.stringify(pathToFileURL(root).href)} + '/' + path);
const { createMetricsAccumulator } = await module('tools/metrics/metrics.ts');
const { forEachFileRecord } = await module('tools/metrics/records.ts');
const { formatHtmlReport } = await module('tools/metrics/report.ts');
const { writeFileSync } = await import('node:fs');
const started = performance.now();
const accumulator = createMetricsAccumulator();
const read = await forEachFileRecord(process.argv[1], (record) => accumulator.add(record));
const report = accumulator.report();
const readMs = performance.now() - started;
const page = formatHtmlReport(report, { description: 'file', unreadable: read.unreadable, unsupported: read.unsupported });
writeFileSync(process.argv[1] + '.html', page);
const ms = performance.now() - started - readMs;
process.stdout.write(JSON.stringify({ ms, readMs, pageBytes: Buffer.byteLength(page), weeks: report.overall.weeks.length, maxRssKiB: process.resourceUsage().maxRSS }));
`;

// The Node flags `npm run metrics` gives the reader (package.json), so the bench measures what users run.
const READER_NODE_FLAGS: string[] =
  (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.metrics as string).match(/--max-[\w-]+=\d+/g) ??
  [];

const runChild = (which: 'floor' | 'reader' | 'report', file: string): ChildFigures => {
  // The reader runs its TypeScript as `npm run metrics` does, through tsx, with the same Node flags.
  const args =
    which === 'floor'
      ? ['-e', PARSE_FLOOR]
      : [...READER_NODE_FLAGS, '--import', 'tsx', '-e', which === 'reader' ? READER(ROOT) : REPORT(ROOT)];
  const started = performance.now();
  const output = execFileSync(process.execPath, ['--input-type=module', ...args, file], { cwd: ROOT });
  return {
    ...(JSON.parse(output.toString()) as Omit<ChildFigures, 'processMs'>),
    processMs: performance.now() - started,
  };
};

const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The metrics reader over generated files, against the parse floor, each run in a fresh process. */
const metricsReader = async (quick: boolean) => {
  console.log(
    '\nMetrics reader over a generated JSON-lines file (`npm run metrics -- --file F --json`), each run a fresh process:',
  );
  console.log(
    'floor = read the file and JSON.parse every line, nothing else; time = the work itself (median; process start and module loading excluded); peak RSS = the whole process',
  );
  const rows = [
    [
      'records',
      'file',
      'floor time',
      'floor peak RSS',
      'reader time',
      'reader peak RSS',
      'time / floor',
      'reader whole run',
    ],
  ];
  const reportRows = [
    [
      'records',
      'weeks',
      'reader time (--json)',
      'read + compute',
      'report (page built, written)',
      'report / reader',
      'page',
      'peak RSS',
    ],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'deploy-sentinel-bench-'));
  try {
    for (const count of quick ? [100_000] : [100_000, 1_000_000]) {
      const file = join(dir, `records-${count}.jsonl`);
      await writeGeneratedRecords(count, file, 42, { leadTime: true });
      const runs = count >= 1_000_000 ? 3 : 5;
      const floor: ChildFigures[] = [];
      const reader: ChildFigures[] = [];
      const report: ChildFigures[] = [];
      // Alternating, so that a busy moment of the machine falls on all of them.
      for (let i = 0; i < runs; i += 1) {
        floor.push(runChild('floor', file));
        reader.push(runChild('reader', file));
        report.push(runChild('report', file));
      }
      const reportMs = median(report.map((f) => f.ms));
      const floorMs = median(floor.map((f) => f.ms));
      const readerMs = median(reader.map((f) => f.ms));
      rows.push([
        count.toLocaleString('en-US'),
        `${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`,
        seconds(floorMs),
        mib(Math.max(...floor.map((f) => f.maxRssKiB))),
        seconds(readerMs),
        mib(Math.max(...reader.map((f) => f.maxRssKiB))),
        `${(readerMs / floorMs).toFixed(2)}x`,
        seconds(median(reader.map((f) => f.processMs))),
      ]);
      reportRows.push([
        count.toLocaleString('en-US'),
        String(report[0]!.weeks),
        seconds(readerMs),
        seconds(median(report.map((f) => f.readMs!))),
        seconds(reportMs),
        `${((reportMs / readerMs) * 100).toFixed(0)}%`,
        `${(report[0]!.pageBytes! / 1024 / 1024).toFixed(1)} MiB`,
        mib(Math.max(...report.map((f) => f.maxRssKiB))),
      ]);
      rmSync(file);
      rmSync(`${file}.html`, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  table(rows);
  console.log(
    "\nThe HTML report of the same files (`--html`): the reader's time, then, in one process, the read and the page apart (median; peak RSS = the whole process):",
  );
  table(reportRows);
};

/** The one-line usage, printed on bad arguments and --help. */
export const USAGE =
  'usage: npm run bench [-- --quick] [-- --bundles]   (--quick: the 1,000-group sweep and the 100,000-record metrics read only; --bundles: the bundle table only)';

process.exitCode = await runCommand(
  process.argv.slice(2),
  {
    usage: USAGE,
    options: { quick: { type: 'boolean', default: false }, bundles: { type: 'boolean', default: false } },
  },
  async (values) => {
    await main(values.quick, values.bundles);
    return 0;
  },
).catch((error) => {
  console.error(error);
  return 1;
});
