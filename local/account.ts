import { runCommand } from '../tools/cli.js';
import { renderSlackMessage } from './render-slack.js';
import { STATE_TABLE, STREAM_NAME, startWorld } from './world.js';

/**
 * `npm run local-account`: the local account of `npm start` (the scenario's stand-ins, a local
 * Kinesis and a local DynamoDB with the state table, on 127.0.0.1), kept running for `serverless invoke local` and other manual runs. Prints
 * the environment to use, then every Slack message as it arrives. Ctrl-C stops it.
 */
const USAGE = 'usage: npm run local-account   (runs until Ctrl-C)';

const keepRunning = async (): Promise<number> => {
  const world = await startWorld({
    onSlack: (m) =>
      console.log(`\nSlack (${decodeURIComponent(m.path.replace('/hooks/', ''))})\n${renderSlackMessage(m.body)}`),
    onAppPost: (p) =>
      console.log(`\nSlack app (${p.method} #${p.channelName} ${p.message.ts})\n${renderSlackMessage(p.message)}`),
  });
  const env = { ...world.env, STATE_STREAM_NAME: STREAM_NAME, STATE_TABLE_NAME: STATE_TABLE };
  console.log('Local account running. In another shell:\n');
  for (const [k, v] of Object.entries(env)) console.log(`export ${k}=${v}`);
  console.log(
    '\ntimeout 60 npx serverless invoke local --stage local -f notifyDeployment -p events/codedeploy/deployment.failure.json',
  );
  const stop = async () => {
    await world.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return 0;
};

process.exitCode = await runCommand(process.argv.slice(2), { usage: USAGE, options: {} }, keepRunning);
