import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAlarmImpactLookup } from '../lib/alerts/alarm-impact.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { loadNotifierConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { notifyAlarmEvent } from '../lib/alerts/notify-alarm.js';
import { createDelivery } from '../lib/alerts/wiring.js';
import { deadlineFromContext } from '../lib/time.js';

const config = loadNotifierConfig();
// Kept for the container's life: a burst of alarms costs one scan of the deployment groups.
const impact = createAlarmImpactLookup(createCodeDeployPort({ region: config.region }), { callTimeoutMs: 3_000 });
const delivery = createDelivery(config);

/** CloudWatch alarm state changes to Slack, with the deployments the alarm can stop. */
export const handler = middy(async (event: unknown, context: Context) => {
  const deadline = deadlineFromContext(context, 1_000);
  const outcome = await notifyAlarmEvent(event, {
    ...delivery,
    impactOf: (name) => impact.impactOf(name, { deadline }),
    deadline,
    log,
  });
  return outcome.posted ? { posted: true, route: outcome.route } : outcome;
}).use(invocationLog(log));
