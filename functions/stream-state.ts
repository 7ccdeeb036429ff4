import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createAccountPorts } from '../lib/aws/accounts.js';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { createKinesisPort } from '../lib/aws/kinesis.js';
import { loadStreamConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { streamStateChange } from '../lib/stream/stream-state.js';
import { createRecordWriter } from '../lib/stream/writer.js';
import { targetOfEvent } from '../lib/events/target.js';
import { deadlineFromContext, realClock } from '../lib/time.js';

const config = loadStreamConfig();
const home = { account: config.hub?.homeAccount ?? '', region: config.region };
const accounts = createAccountPorts(config.hub, {
  region: config.region,
  log,
  sessionName: `${config.service}-${config.stage}-stream-state`,
  clock: realClock,
});
const codedeployFor = accounts.of(createCodeDeployPort);
const writer = createRecordWriter({
  kinesis: createKinesisPort({ region: config.region }),
  streamName: config.streamName,
});

/** Every state change as one versioned record on the Kinesis stream. */
export const handler = middy(async (event: unknown, context: Context) => {
  const deadline = deadlineFromContext(context, 1_000);
  const { record, result } = await streamStateChange(event, {
    writer,
    codedeploy: codedeployFor(targetOfEvent(event, home)),
    deadline,
    log,
    accountNames: config.accountNames,
  });
  return { eventId: record.eventId, kind: record.kind, attempts: result.attempts };
}).use(invocationLog(log));
