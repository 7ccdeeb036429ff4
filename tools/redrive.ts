/**
 * Re-drives the stack's dead-letter queue once the cause of the failures is fixed:
 *
 *   npm run redrive -- --stage prod [--region us-east-1] [--dry-run] [--max 100]
 *        [--function notifyDeployment] [--queue-url URL] [--service deploy-sentinel]
 *   npm run redrive -- --stage prod --member [--region MEMBER_REGION] --hub-region R
 *        [--hub-account ID] [--hub-profile PROFILE] [...]
 *
 * With --member, the queue is a member stack's forwarding queue (deploy-sentinel-<stage>-member-
 * dead-letters, read with the SDK's credentials for the member account and --region), and each event
 * goes to the hub functions the hub bus would have invoked (in --hub-region, with --hub-profile's
 * credentials; --hub-account names them by ARN when invoking across accounts).
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
import { parse as parseYaml } from 'yaml';
import { type CommandIo, isMain, processIo, runCommand, UsageError, wholeNumberOption } from './cli.js';
import { createLambdaInvoker, createSqsDeadLetterQueue, findQueueUrl, type QueueReadOptions } from './redrive/aws.js';
import { deadLetterQueueName, memberDeadLetterQueueName, toMemberRedrive } from './redrive/decide.js';
import { formatOutcome, formatTotals } from './redrive/format.js';
import { type RedriveReport, RedriveError, redriveDeadLetters } from './redrive/redrive.js';
import { errorText } from '../lib/aws/errors.js';

/** The command line, for usage errors and --help. */
export const USAGE =
  'usage: npm run redrive -- --stage STAGE [--region REGION] [--dry-run] [--max N] [--function NAME] [--queue-url URL] [--service NAME] [--member --hub-region REGION [--hub-account ID] [--hub-profile PROFILE]]';

/** What the command touches outside itself, injectable for tests. */
export interface RedriveCliIo extends CommandIo {
  sqs(region: string | undefined): SQSClient;
  /** The Lambda client; `profile` names the hub's credentials when re-driving a member's queue. */
  lambda(region: string | undefined, profile?: string): LambdaClient;
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
  ...processIo,
  sqs: (region) => new SQSClient({ ...(region ? { region } : {}), requestHandler: http(30_000) }),
  lambda: (region, profile) =>
    new LambdaClient({ ...(region ? { region } : {}), ...(profile ? { profile } : {}), requestHandler: http(15_000) }),
  serviceName: serviceFromServerlessYml,
};

const OPTIONS = {
  stage: { type: 'string' },
  region: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  max: { type: 'string', default: '100' },
  function: { type: 'string' },
  'queue-url': { type: 'string' },
  service: { type: 'string' },
  member: { type: 'boolean', default: false },
  'hub-region': { type: 'string' },
  'hub-account': { type: 'string' },
  'hub-profile': { type: 'string' },
} as const;

/** Runs the re-drive command; returns the process exit code (0 done, 1 failed, 2 bad usage). */
export const runRedriveCli = (argv: string[], io: RedriveCliIo = defaultIo): Promise<number> =>
  runCommand(
    argv,
    { usage: USAGE, options: OPTIONS },
    (values) => {
      if (!values.stage) throw new UsageError('--stage is required');
      if (values['hub-account'] !== undefined && !/^\d{12}$/.test(values['hub-account']))
        throw new UsageError('--hub-account must be a 12-digit account id');
      if (!values.member && (values['hub-region'] || values['hub-account'] || values['hub-profile']))
        throw new UsageError('--hub-region, --hub-account and --hub-profile go with --member');
      return redrive(
        {
          stage: values.stage,
          region: values.region,
          dryRun: values['dry-run'],
          max: wholeNumberOption('max', values.max),
          only: values.function,
          queueUrl: values['queue-url'],
          service: values.service,
          member: values.member
            ? { hubRegion: values['hub-region'], hubAccount: values['hub-account'], hubProfile: values['hub-profile'] }
            : undefined,
        },
        io,
      );
    },
    io,
  );

interface RedriveArgs {
  stage: string;
  region: string | undefined;
  dryRun: boolean;
  max: number;
  only: string | undefined;
  queueUrl: string | undefined;
  service: string | undefined;
  member: { hubRegion?: string; hubAccount?: string; hubProfile?: string } | undefined;
}

const redrive = async (args: RedriveArgs, io: RedriveCliIo): Promise<number> => {
  const service = args.service ?? io.serviceName() ?? 'deploy-sentinel';
  const sqs = io.sqs(args.region);
  const lambda = io.lambda(args.member?.hubRegion ?? args.region, args.member?.hubProfile);
  try {
    let region: string;
    let queueUrl: string;
    try {
      region = await sqs.config.region();
      const queueName = args.member
        ? memberDeadLetterQueueName(service, args.stage)
        : deadLetterQueueName(service, args.stage);
      queueUrl = args.queueUrl ?? (await findQueueUrl(sqs, queueName));
    } catch (error) {
      io.stderr(
        `cannot reach the dead-letter queue: ${errorText(error)}${/region/i.test(String(error)) ? ' (pass --region or set AWS_REGION)' : ''}`,
      );
      return 1;
    }
    const hubRegion = args.member ? (args.member.hubRegion ?? (await lambda.config.region())) : region;
    io.stdout(
      `${args.dryRun ? 'dry run: ' : ''}re-driving ${queueUrl} (${service}-${args.stage}, ${region})${args.member ? ` to the hub's functions in ${args.member.hubAccount ? `${args.member.hubAccount}/` : ''}${hubRegion}` : ''}${args.only ? `, function ${args.only} only` : ''}`,
    );
    const hub = { service, stage: args.stage, region: hubRegion, account: args.member?.hubAccount };

    let report: RedriveReport;
    try {
      report = await redriveDeadLetters(
        createSqsDeadLetterQueue(sqs, queueUrl, io.queue),
        createLambdaInvoker(lambda),
        {
          stack: { service, stage: args.stage, region },
          dryRun: args.dryRun,
          max: args.max,
          // A member's event goes to several hub functions: --function narrows them in the decision.
          ...(args.only && !args.member ? { only: args.only } : {}),
          ...(args.member ? { decide: (message) => toMemberRedrive(message, hub, args.only) } : {}),
          onOutcome: (outcome) => io.stdout(formatOutcome(outcome)),
        },
      );
    } catch (error) {
      if (!(error instanceof RedriveError)) throw error;
      for (const line of formatTotals(error.report)) io.stdout(line);
      io.stderr(errorText(error.cause ?? error));
      return 1;
    }
    for (const line of formatTotals(report)) io.stdout(line);
    return report.counts.failed > 0 ? 1 : 0;
  } finally {
    sqs.destroy();
    lambda.destroy();
  }
};

if (isMain(import.meta.url)) {
  process.exitCode = await runRedriveCli(process.argv.slice(2));
}
