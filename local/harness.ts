import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { matchesPattern } from './event-pattern.js';

/**
 * Runs the service as it is packaged: `serverless package` builds the zips and the CloudFormation
 * template; this module unpacks each function's zip, loads the bundled handler with the
 * environment the template gives it, and routes events to functions by the EventBridge rules in
 * that same template. `npm start`, the end-to-end tests and the benchmarks share it.
 */

export const ROOT = join(import.meta.dirname, '..');
export const PACKAGE_DIR = join(ROOT, '.serverless');
const UNPACK_DIR = join(ROOT, '.local', 'functions');

export interface PackagedFunction {
  /** The key in serverless.yml, e.g. `notifyDeployment`. */
  key: string;
  logicalId: string;
  name: string;
  zip: string;
  handlerFile: string;
  exportName: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Environment variables the template sets; intrinsic functions left as undefined. */
  environment: Record<string, string | undefined>;
  rules: Array<{ logicalId: string; pattern?: Record<string, unknown>; schedule?: string }>;
}

/** Packages the service for a stage from a clean slate (stale builds end up in zips otherwise). */
export const packageService = (stage = 'local', params: string[] = []): void => {
  rmSync(join(ROOT, '.esbuild'), { recursive: true, force: true });
  rmSync(PACKAGE_DIR, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'),
      'package',
      '--stage',
      stage,
      ...params.flatMap((p) => ['--param', p]),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    },
  );
};

export const readTemplate = (dir = PACKAGE_DIR): any =>
  JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));

/** The functions in the packaged template, with their zips, handlers, environment and rules. */
export const readPackagedFunctions = (dir = PACKAGE_DIR): PackagedFunction[] => {
  const template = readTemplate(dir);
  const resources = Object.entries<any>(template.Resources);
  const state = JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8'));
  const keys = Object.keys(state.service.functions as Record<string, unknown>);
  return resources
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([logicalId, r]) => {
      const key =
        keys.find((k) => `${k.charAt(0).toUpperCase()}${k.slice(1)}LambdaFunction` === logicalId) ?? logicalId;
      const [file, exportName] = String(r.Properties.Handler).split(/\.(?=[^.]+$)/) as [string, string];
      const variables = (r.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      const rules = resources
        .filter(
          ([, rule]) =>
            rule.Type === 'AWS::Events::Rule' &&
            rule.Properties.Targets.some((t: any) => t.Arn?.['Fn::GetAtt']?.[0] === logicalId),
        )
        .map(([ruleId, rule]) => ({
          logicalId: ruleId,
          pattern: rule.Properties.EventPattern,
          schedule: rule.Properties.ScheduleExpression,
        }));
      return {
        key,
        logicalId,
        name: String(r.Properties.FunctionName),
        zip: join(dir, String(r.Properties.Code.S3Key).split('/').pop()!),
        handlerFile: `${file}.cjs`,
        exportName,
        timeoutSeconds: Number(r.Properties.Timeout ?? 6),
        memoryMb: Number(r.Properties.MemorySize ?? 1024),
        environment: Object.fromEntries(
          Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]),
        ),
        rules,
      };
    });
};

/**
 * Unpacks a function's zip (what Lambda would run) and returns the handler file's path. Another
 * folder gives another module instance of the same bundle (a second container, e.g. a hub's).
 */
export const unpack = async (fn: PackagedFunction, into = UNPACK_DIR): Promise<string> => {
  const target = join(into, fn.key);
  rmSync(target, { recursive: true, force: true });
  const zip = await yauzl.openPromise(fn.zip);
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    const out = join(target, entry.fileName);
    mkdirSync(dirname(out), { recursive: true });
    await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(out));
  }
  return join(target, fn.handlerFile);
};

export interface LambdaContextLike {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

export type LoadedHandler = (event: unknown, context: LambdaContextLike) => Promise<unknown>;

/**
 * Loads a bundled handler with its environment: the template's variables, then `overrides`
 * (values the template computes with intrinsic functions, local endpoints). Each bundle is its
 * own module, so functions keep their own module state, like separate Lambda containers.
 */
export const loadHandler = async (
  fn: PackagedFunction,
  overrides: Record<string, string> = {},
  unpackDir?: string,
): Promise<LoadedHandler> => {
  // A bundle unpacked elsewhere is a module of its own: a second world gets fresh containers.
  const file = await unpack(fn, unpackDir);
  // What Lambda sets in an on-demand execution environment (Powertools reads it for the cold start).
  const env = { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', ...fn.environment, ...overrides };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  try {
    const mod = createRequire(import.meta.url)(file);
    return mod[fn.exportName] as LoadedHandler;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
};

export const lambdaContext = (fn: PackagedFunction, clock: () => number = Date.now): LambdaContextLike => {
  const end = clock() + fn.timeoutSeconds * 1000;
  return {
    functionName: fn.name,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, end - clock()),
  };
};

/** The functions whose rules match an event, as EventBridge would deliver it. */
export const targetsOf = (event: Record<string, unknown>, functions: readonly PackagedFunction[]): PackagedFunction[] =>
  functions.filter((fn) => fn.rules.some((rule) => rule.pattern && matchesPattern(rule.pattern, event)));

/** An EventBridge event from a PutEvents entry, as the bus would deliver it. */
export const fromPutEventsEntry = (
  entry: { Source?: string; DetailType?: string; Detail?: string; Resources?: string[]; Time?: string | number },
  account: string,
  region: string,
): Record<string, unknown> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': entry.DetailType,
  source: entry.Source,
  account,
  time: entry.Time
    ? new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time).toISOString().replace(/\.\d{3}Z$/, 'Z')
    : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: entry.Resources ?? [],
  detail: JSON.parse(entry.Detail ?? '{}'),
});

/** A scheduled event, as EventBridge Scheduler rules deliver it. */
export const scheduledEvent = (ruleArn: string, account: string, region: string): Record<string, unknown> => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account,
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region,
  resources: [ruleArn],
  detail: {},
});

/** What a function wrote during one invocation: its JSON log lines and its metrics (EMF objects). */
export interface InvocationOutput {
  lines: Array<Record<string, unknown>>;
  metrics: Array<Record<string, unknown>>;
}

/**
 * Runs an invocation while capturing what the bundled functions write to stdout (in Lambda, their
 * CloudWatch log stream): JSON log lines and embedded-metric-format objects are kept; a log line is
 * also shown when `show` says so; anything else (the local run's own output) passes through.
 */
export const captureOutput = async <T>(
  run: () => Promise<T>,
  show: (line: Record<string, unknown>) => boolean,
): Promise<{ result: T; output: InvocationOutput }> => {
  const output: InvocationOutput = { lines: [], metrics: [] };
  const stdout = process.stdout;
  const write = stdout.write;
  const parse = (line: string): Record<string, unknown> | undefined => {
    if (!line.startsWith('{')) return undefined;
    try {
      const value = JSON.parse(line);
      return value && typeof value === 'object' && ('_aws' in value || ('level' in value && 'message' in value))
        ? value
        : undefined;
    } catch {
      return undefined;
    }
  };
  stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = text.split('\n');
    // What follows the last newline: '' when the chunk ends a line, as every log line does.
    const tail = lines.pop()!;
    const kept = lines.filter((line) => {
      const value = parse(line);
      if (!value) return true;
      if ('_aws' in value) {
        output.metrics.push(value);
        return false;
      }
      output.lines.push(value);
      return show(value);
    });
    const out = kept.map((line) => `${line}\n`).join('') + tail;
    if (out === '') {
      (rest.find((r) => typeof r === 'function') as (() => void) | undefined)?.();
      return true;
    }
    return write.call(stdout, out, ...(rest as []));
  }) as typeof stdout.write;
  try {
    return { result: await run(), output };
  } finally {
    stdout.write = write;
  }
};

/** One metric of an EMF object, with the dimensions it was emitted with (service and stage aside). */
export interface EmittedMetric {
  name: string;
  dimensions: Record<string, string>;
  value: number;
}

/** The metrics in EMF objects as CloudWatch would read them (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html). */
export const emittedMetrics = (objects: Array<Record<string, unknown>>): EmittedMetric[] =>
  objects.flatMap((o) => {
    const [directive] = (
      o._aws as { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }
    ).CloudWatchMetrics;
    const dimensions = Object.fromEntries(
      (directive?.Dimensions[0] ?? []).filter((d) => d !== 'service' && d !== 'stage').map((d) => [d, String(o[d])]),
    );
    return (directive?.Metrics ?? []).map((m) => ({
      name: m.Name,
      dimensions,
      value: [o[m.Name]].flat().reduce((a: number, b) => a + Number(b), 0),
    }));
  });
