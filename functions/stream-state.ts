import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describeDeployment } from '../lib/codedeploy/describe.js';
import { loadStreamConfig } from '../lib/config.js';
import { log } from '../lib/log.js';
import { invocationLog } from '../lib/middleware.js';
import { createKinesisClient } from '../lib/stream/client.js';
import { streamStateChange } from '../lib/stream/stream-state.js';
import { createRecordWriter } from '../lib/stream/writer.js';
import { deadlineFromContext } from '../lib/time.js';

const config = loadStreamConfig();
const codedeploy = new CodeDeployClient({ region: config.region });
const writer = createRecordWriter({
  client: createKinesisClient({ region: config.region }),
  streamName: config.streamName,
});

/** Every state change as one versioned record on the Kinesis stream. */
export const handler = middy(async (event: unknown, context: Context) => {
  const deadline = deadlineFromContext(context, 1_000);
  const { record, result } = await streamStateChange(event, {
    writer,
    describe: (id) =>
      describeDeployment(codedeploy, id, { callTimeoutMs: Math.max(500, Math.min(3_000, deadline.remainingMs() / 4)) }),
    deadline,
    log,
  });
  return { eventId: record.eventId, kind: record.kind, attempts: result.attempts };
}).use(invocationLog(log));
