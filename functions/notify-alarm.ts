import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAlarmImpactLookup } from '../lib/alerts/alarm-impact.js';
import { createAccountPorts } from '../lib/aws/accounts.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { loadNotifierConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { notifyAlarmEvent } from '../lib/alerts/notify-alarm.js';
import { createDelivery } from '../lib/alerts/wiring.js';
import { targetOfEvent } from '../lib/events/target.js';
import { deadlineFromContext, realClock } from '../lib/time.js';

const config = loadNotifierConfig();
const home = { account: config.hub?.homeAccount ?? '', region: config.region };
const accounts = createAccountPorts(config.hub, {
  region: config.region,
  log,
  sessionName: `${config.service}-${config.stage}-notify-alarm`,
  clock: realClock,
});
// Kept for the container's life, one per account and region: a burst of alarms costs one scan of
// that region's deployment groups.
const impactFor = accounts.of((options) =>
  createAlarmImpactLookup(createCodeDeployPort(options), { callTimeoutMs: 3_000 }),
);
const delivery = createDelivery(config);

/** CloudWatch alarm state changes to Slack, with the deployments the alarm can stop. */
export const handler = middy(async (event: unknown, context: Context) => {
  const deadline = deadlineFromContext(context, 1_000);
  const impact = impactFor(targetOfEvent(event, home));
  const outcome = await notifyAlarmEvent(event, {
    ...delivery,
    impactOf: (name) => impact.impactOf(name, { deadline }),
    deadline,
    log,
  });
  return outcome.posted ? { posted: true, route: outcome.route } : outcome;
}).use(invocationLog(log));
