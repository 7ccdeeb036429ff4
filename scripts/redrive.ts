/**
 * Re-drives the stack's dead-letter queue once the cause of the failures is fixed:
 *
 *   npm run redrive -- --stage prod [--region us-east-1] [--dry-run] [--max 100]
 *        [--function notifyDeployment] [--queue-url URL] [--service deploy-sentinel]
 *
 * Each message's original event goes back to the function it belongs to, asynchronously; the
 * message is deleted only once Lambda accepted the event. Messages that cannot be understood, hook
 * invocations and functions of other stacks stay in the queue and are reported. Exit code: 0 done,
 * 1 a re-drive failed or the queue could not be read, 2 bad usage. AWS access follows the SDK's
 * standard settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_LAMBDA, ...).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  createLambdaInvoker,
  createSqsDeadLetterQueue,
  findQueueUrl,
  type QueueReadOptions,
} from '../lib/redrive/aws.js';
import { deadLetterQueueName } from '../lib/redrive/decide.js';
import { formatOutcome, formatTotals } from '../lib/redrive/format.js';
import { type RedriveReport, RedriveError, redriveDeadLetters } from '../lib/redrive/redrive.js';

/** The command line, for usage errors and --help. */
export const USAGE =
  'usage: npm run redrive -- --stage STAGE [--region REGION] [--dry-run] [--max N] [--function NAME] [--queue-url URL] [--service NAME]';

/** What the command touches outside itself, injectable for tests. */
export interface RedriveCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  sqs(region: string | undefined): SQSClient;
  lambda(region: string | undefined): LambdaClient;
  /** serverless.yml's `service`, when no --service is given. */
  serviceName(): string | undefined;
  queue?: QueueReadOptions;
}

const root = join(import.meta.dirname, '..');

const serviceFromServerlessYml = (): string | undefined => {
  const file = join(root, 'serverless.yml');
  if (!existsSync(file)) return undefined;
  // CloudFormation tags (!GetAtt, !Sub) are unknown to the parser; only `service` is read here.
  const parsed = parseYaml(readFileSync(file, 'utf8'), { logLevel: 'error' }) as { service?: unknown } | null;
  return typeof parsed?.service === 'string' ? parsed.service : undefined;
};

// Bounded requests: a hung connection must not outlast the visibility timeout of the batch being
// worked on. The SQS bound leaves room for the long poll.
const http = (requestTimeout: number) => new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout });

const defaultIo: RedriveCliIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  sqs: (region) => new SQSClient({ ...(region ? { region } : {}), requestHandler: http(30_000) }),
  lambda: (region) => new LambdaClient({ ...(region ? { region } : {}), requestHandler: http(15_000) }),
  serviceName: serviceFromServerlessYml,
};

class UsageError extends Error {
  override name = 'UsageError';
}

const parse = (argv: string[]) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      max: { type: 'string', default: '100' },
      function: { type: 'string' },
      'queue-url': { type: 'string' },
      service: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true as const };
  if (!values.stage) throw new UsageError('--stage is required');
  const max = Number(values.max);
  if (!Number.isInteger(max) || max < 1)
    throw new UsageError(`--max must be a whole number above 0, got ${values.max}`);
  return {
    help: false as const,
    stage: values.stage,
    region: values.region,
    dryRun: values['dry-run'],
    max,
    only: values.function,
    queueUrl: values['queue-url'],
    service: values.service,
  };
};

const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** Runs the re-drive command; returns the process exit code (0 done, 1 failed, 2 bad usage). */
export const runRedriveCli = async (argv: string[], io: RedriveCliIo = defaultIo): Promise<number> => {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  const service = args.service ?? io.serviceName() ?? 'deploy-sentinel';
  const sqs = io.sqs(args.region);
  const lambda = io.lambda(args.region);
  try {
    let region: string;
    let queueUrl: string;
    try {
      region = await sqs.config.region();
      queueUrl = args.queueUrl ?? (await findQueueUrl(sqs, deadLetterQueueName(service, args.stage)));
    } catch (error) {
      io.stderr(
        `cannot reach the dead-letter queue: ${describe(error)}${/region/i.test(String(error)) ? ' (pass --region or set AWS_REGION)' : ''}`,
      );
      return 1;
    }
    io.stdout(
      `${args.dryRun ? 'dry run: ' : ''}re-driving ${queueUrl} (${service}-${args.stage}, ${region})${args.only ? `, function ${args.only} only` : ''}`,
    );

    let report: RedriveReport;
    try {
      report = await redriveDeadLetters(
        createSqsDeadLetterQueue(sqs, queueUrl, io.queue),
        createLambdaInvoker(lambda),
        {
          stack: { service, stage: args.stage, region },
          dryRun: args.dryRun,
          max: args.max,
          ...(args.only ? { only: args.only } : {}),
          onOutcome: (outcome) => io.stdout(formatOutcome(outcome)),
        },
      );
    } catch (error) {
      if (!(error instanceof RedriveError)) throw error;
      for (const line of formatTotals(error.report)) io.stdout(line);
      io.stderr(describe(error.cause ?? error));
      return 1;
    }
    for (const line of formatTotals(report)) io.stdout(line);
    return report.counts.failed > 0 ? 1 : 0;
  } finally {
    sqs.destroy();
    lambda.destroy();
  }
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runRedriveCli(process.argv.slice(2));
}
