import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createCodeDeployPort } from '../lib/aws/codedeploy.js';
import { createKinesisPort } from '../lib/aws/kinesis.js';
import { loadStreamConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { streamStateChange } from '../lib/stream/stream-state.js';
import { createRecordWriter } from '../lib/stream/writer.js';
import { deadlineFromContext } from '../lib/time.js';

const config = loadStreamConfig();
const codedeploy = createCodeDeployPort({ region: config.region });
const writer = createRecordWriter({
  kinesis: createKinesisPort({ region: config.region }),
  streamName: config.streamName,
});

/** Every state change as one versioned record on the Kinesis stream. */
export const handler = middy(async (event: unknown, context: Context) => {
  const deadline = deadlineFromContext(context, 1_000);
  const { record, result } = await streamStateChange(event, { writer, codedeploy, deadline, log });
  return { eventId: record.eventId, kind: record.kind, attempts: result.attempts };
}).use(invocationLog(log));
