import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAccountPorts, type Target } from '../lib/aws/accounts.js';
import { createAutoScalingPort } from '../lib/aws/autoscaling.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { createEventBridgePort } from '../lib/aws/eventbridge.js';
import { type CleanupDeps, cleanUpAfterDeployment, sweepOrphans } from '../lib/cleanup/clean-up.js';
import { lazyEc2Port } from '../lib/cleanup/lazy-instances.js';
import { sweepOrganisation, sweepTargets } from '../lib/cleanup/organisation.js';
import { createCleanupPublisher } from '../lib/cleanup/publish.js';
import { loadCleanupConfig } from '../lib/config.js';
import { classifyEvent } from '../lib/events/classify.js';
import { targetOfEvent } from '../lib/events/target.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { type Deadline, deadlineFromContext, realClock, realSleep } from '../lib/time.js';

const config = loadCleanupConfig();
// In a hub, groups are read and deleted in the account and region of the event (a member through its
// cleanup role), never in the hub's; what the cleanup publishes goes on the hub's own bus.
const home = { account: config.hub?.homeAccount ?? '', region: config.region };
const accounts = createAccountPorts(config.hub, {
  region: config.region,
  log,
  sessionName: `${config.service}-${config.stage}-clean-up-orphans`,
  clock: realClock,
});
const codedeployFor = accounts.of(createCodeDeployPort);
const autoscalingFor = accounts.of(createAutoScalingPort);
const instancesFor = accounts.of(lazyEc2Port);
const events = createEventBridgePort({ region: config.region });

const isSchedule = (event: unknown) =>
  typeof event === 'object' &&
  event !== null &&
  (event as Record<string, unknown>)['detail-type'] === 'Scheduled Event';

const depsFor = (target: Target, deadline: Deadline): CleanupDeps => ({
  codedeploy: codedeployFor(target),
  autoscaling: autoscalingFor(target),
  instances: instancesFor(target),
  publish: createCleanupPublisher(events, { busName: config.eventBusName, deadline }),
  mode: config.mode,
  minAgeMs: config.minAgeMs,
  deadline,
  clock: realClock,
  sleep: realSleep,
  log,
  target,
});

/**
 * Deletes the Auto Scaling group a failed or stopped blue/green deployment left behind: at once on
 * the deployment's FAILURE or STOP event, and in a scheduled sweep for what events missed (a hub's
 * sweep covers its own account and every member account and region in its settings).
 */
export const handler = middy(async (event: unknown, context: Context) => {
  // A sweep stops with a minute to spare, so it can publish what it did and say where it stopped.
  const deadline = deadlineFromContext(context, isSchedule(event) ? 60_000 : 5_000);
  const target = targetOfEvent(event, home);
  if (isSchedule(event)) {
    if (!config.hub) return sweepOrphans(depsFor(target, deadline));
    const time = Date.parse(String((event as Record<string, unknown>).time));
    return sweepOrganisation({
      targets: sweepTargets({ account: config.hub.homeAccount, region: config.region }, config.members),
      scheduleTimeMs: Number.isFinite(time) ? time : realClock(),
      periodMs: config.sweepPeriodMs,
      depsFor,
      publish: createCleanupPublisher(events, { busName: config.eventBusName, deadline }),
      mode: config.mode,
      deadline,
      clock: realClock,
      log,
    });
  }
  const classified = classifyEvent(event);
  if (
    classified.kind === 'deployment' &&
    (classified.event.detail.state === 'FAILURE' || classified.event.detail.state === 'STOP')
  ) {
    return cleanUpAfterDeployment(classified.event.detail.deploymentId, depsFor(target, deadline));
  }
  // Nothing to clean up after anything else; deleting nothing is the safe outcome.
  log.error('event ignored by the cleanup: not a FAILURE/STOP deployment event or a schedule', {
    reason: classified.kind === 'unknown' ? classified.reason : `a ${classified.kind} event`,
  });
  return { ignored: true };
}).use(invocationLog(log));
