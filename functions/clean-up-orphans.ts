import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAutoScalingPort } from '../lib/aws/autoscaling.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { createEventBridgePort } from '../lib/aws/eventbridge.js';
import { cleanUpAfterDeployment, sweepOrphans } from '../lib/cleanup/clean-up.js';
import { lazyEc2Port } from '../lib/cleanup/lazy-instances.js';
import { createCleanupPublisher } from '../lib/cleanup/publish.js';
import { loadCleanupConfig } from '../lib/config.js';
import { classifyEvent } from '../lib/events/classify.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { deadlineFromContext, realClock, realSleep } from '../lib/time.js';

const config = loadCleanupConfig();
const codedeploy = createCodeDeployPort({ region: config.region });
const autoscaling = createAutoScalingPort({ region: config.region });
const events = createEventBridgePort({ region: config.region });
const instances = lazyEc2Port({ region: config.region });

const isSchedule = (event: unknown) =>
  typeof event === 'object' &&
  event !== null &&
  (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event';

/**
 * Deletes the Auto Scaling group a failed or stopped blue/green deployment left behind: at once on
 * the deployment's FAILURE or STOP event, and in a scheduled sweep for what events missed.
 */
export const handler = middy(async (event: unknown, context: Context) => {
  // A sweep stops with a minute to spare, so it can publish what it did and say where it stopped.
  const deadline = deadlineFromContext(context, isSchedule(event) ? 60_000 : 5_000);
  const deps = {
    codedeploy,
    autoscaling,
    instances,
    publish: createCleanupPublisher(events, { busName: config.eventBusName, deadline }),
    mode: config.mode,
    minAgeMs: config.minAgeMs,
    deadline,
    clock: realClock,
    sleep: realSleep,
    log,
  };
  if (isSchedule(event)) return sweepOrphans(deps);
  const classified = classifyEvent(event);
  if (
    classified.kind === 'deployment' &&
    (classified.event.detail.state === 'FAILURE' || classified.event.detail.state === 'STOP')
  ) {
    return cleanUpAfterDeployment(classified.event.detail.deploymentId, deps);
  }
  // Nothing to clean up after anything else; deleting nothing is the safe outcome.
  log.error('event ignored by the cleanup: not a FAILURE/STOP deployment event or a schedule', {
    reason: classified.kind === 'unknown' ? classified.reason : `a ${classified.kind} event`,
  });
  return { ignored: true };
}).use(invocationLog(log));
