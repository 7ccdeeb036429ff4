import type { CallBudget } from '../aws/call.js';
import type { CodeDeployPort } from '../aws/codedeploy.js';
import type { DeploymentDetails } from '../codedeploy/deployment.js';
import { enrichmentBudget } from '../codedeploy/describe.js';
import { classifyEvent } from '../events/classify.js';
import { type Logger, log as processLog } from '../log.js';
import { type Metrics, metrics as processMetrics } from '../metrics.js';
import { type Clock, type Deadline, realClock } from '../time.js';
import { partitionKeyOf, type StateRecord, toStateRecord } from './record.js';
import type { PutResult, RecordWriter } from './writer.js';

/** What streamStateChange needs from the outside world. */
export interface StreamStateDeps {
  writer: RecordWriter;
  /**
   * GetDeployment for deployment events and, on SUCCESS, GetApplicationRevision for the lead time;
   * a failure only costs the record that part of its enrichment. Without getRevisionRegisterTime,
   * records carry no lead time.
   */
  codedeploy?: Pick<CodeDeployPort, 'getDeployment'> & Partial<Pick<CodeDeployPort, 'getRevisionRegisterTime'>>;
  deadline: Deadline;
  log?: Logger;
  /** Counts records written (default: the process's recorder). */
  metrics?: Metrics;
  clock?: Clock;
  /** Account id -> name (the settings' `accounts`). */
  accountNames?: Readonly<Record<string, string>>;
}

/**
 * The details with when the revision they name was registered, when CodeDeploy says so. Inline
 * AppSpec content is never registered, so nothing is asked for it; no answer is no lead time,
 * never a failed record.
 */
const withRegisterTime = async (
  details: DeploymentDetails,
  codedeploy: NonNullable<StreamStateDeps['codedeploy']>,
  budget: CallBudget,
  logger: Logger,
): Promise<DeploymentDetails> => {
  const { deploymentId, application, revisionLocation } = details;
  if (!codedeploy.getRevisionRegisterTime || !application || !revisionLocation) return details;
  const revisionRegisterTime = await codedeploy.getRevisionRegisterTime(application, revisionLocation, budget).then(
    (found) => {
      if (!found)
        logger.warn('revision registration time unavailable', { deploymentId, reason: 'unknown to CodeDeploy' });
      return found;
    },
    (error: unknown) => {
      logger.warn('revision registration time unavailable', { deploymentId, error });
      return undefined;
    },
  );
  return revisionRegisterTime ? { ...details, revisionRegisterTime } : details;
};

/**
 * Streams one incoming event as one state record: classify, enrich deployment events when
 * GetDeployment answers (on SUCCESS, also with when the revision was registered), map, write. An
 * unrecognised event is still written (kind `unknown`) and logged once; a write that cannot
 * complete throws, so the event reaches the dead-letter queue.
 */
export const streamStateChange = async (
  raw: unknown,
  deps: StreamStateDeps,
): Promise<{ record: StateRecord; result: PutResult }> => {
  const logger = deps.log ?? processLog;
  const classified = classifyEvent(raw);
  if (classified.kind === 'unknown') {
    // The reason names the shape problem; the event itself goes to the stream, not to the log.
    logger.warn('unrecognised event streamed as unknown', { reason: classified.reason });
  }
  let details: DeploymentDetails | undefined;
  if (classified.kind === 'deployment' && deps.codedeploy) {
    const { deploymentId, state } = classified.event.detail;
    // One budget for all of the enrichment: the write keeps the rest of the invocation.
    const budget = enrichmentBudget(deps.deadline, deps.clock);
    details = await deps.codedeploy.getDeployment(deploymentId, budget).then(
      (found) => {
        if (!found) logger.warn('deployment enrichment unavailable', { deploymentId, reason: 'unknown to CodeDeploy' });
        return found;
      },
      (error: unknown) => {
        logger.warn('deployment enrichment unavailable', { deploymentId, error });
        return undefined;
      },
    );
    if (details && state === 'SUCCESS') details = await withRegisterTime(details, deps.codedeploy, budget, logger);
  }
  const record = toStateRecord(classified, details, {
    recordedAt: new Date((deps.clock ?? realClock)()),
    accountNames: deps.accountNames,
  });
  const result = await deps.writer.put([record], deps.deadline);
  (deps.metrics ?? processMetrics).add('RecordsWritten', { kind: record.kind }, result.records);
  logger.info('state record written', {
    eventId: record.eventId,
    kind: record.kind,
    partitionKey: partitionKeyOf(record),
    attempts: result.attempts,
    ...(record.truncated ? { truncated: record.truncated } : {}),
  });
  return { record, result };
};
