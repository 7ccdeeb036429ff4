import type { CodeDeployPort } from '../aws/codedeploy.js';
import type { DeploymentDetails } from '../codedeploy/deployment.js';
import { enrichmentBudget } from '../codedeploy/describe.js';
import { classifyEvent } from '../events/classify.js';
import { type Logger, log as processLog } from '../log.js';
import { type Clock, type Deadline, realClock } from '../time.js';
import { partitionKeyOf, type StateRecord, toStateRecord } from './record.js';
import type { PutResult, RecordWriter } from './writer.js';

/** What streamStateChange needs from the outside world. */
export interface StreamStateDeps {
  writer: RecordWriter;
  /** GetDeployment for deployment events; a failure only costs the record its enrichment. */
  codedeploy?: Pick<CodeDeployPort, 'getDeployment'>;
  deadline: Deadline;
  log?: Logger;
  clock?: Clock;
}

/**
 * Streams one incoming event as one state record: classify, enrich deployment events when
 * GetDeployment answers, map, write. An unrecognised event is still written (kind `unknown`) and
 * logged once; a write that cannot complete throws, so the event reaches the dead-letter queue.
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
    const { deploymentId } = classified.event.detail;
    details = await deps.codedeploy.getDeployment(deploymentId, enrichmentBudget(deps.deadline, deps.clock)).then(
      (found) => {
        if (!found) logger.warn('deployment enrichment unavailable', { deploymentId, reason: 'unknown to CodeDeploy' });
        return found;
      },
      (error: unknown) => {
        logger.warn('deployment enrichment unavailable', { deploymentId, error });
        return undefined;
      },
    );
  }
  const record = toStateRecord(classified, details, { recordedAt: new Date((deps.clock ?? realClock)()) });
  const result = await deps.writer.put([record], deps.deadline);
  logger.info('state record written', {
    eventId: record.eventId,
    kind: record.kind,
    partitionKey: partitionKeyOf(record),
    attempts: result.attempts,
    ...(record.truncated ? { truncated: record.truncated } : {}),
  });
  return { record, result };
};
