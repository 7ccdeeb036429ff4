import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { clientConfig } from '../../lib/aws/config.js';

/**
 * A real Kinesis API on 127.0.0.1: kinesalite (pure JavaScript, in memory), started from code.
 * Point the SDK at `url` (or set AWS_ENDPOINT_URL_KINESIS) with any region and dummy credentials.
 * kinesalite needs `StreamName` (not `StreamARN`) and never reports partial failures.
 */

type KinesaliteFactory = (options: {
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}) => Server;

const require = createRequire(import.meta.url);

/** A running kinesalite. */
export interface KinesisStandIn {
  url: string;
  port: number;
  /** A client for this stand-in (HTTP/1.1, dummy credentials). */
  client(): KinesisClient;
  /** Creates a stream and waits until it is ACTIVE. */
  createStream(name: string, shardCount?: number): Promise<void>;
  close(): Promise<void>;
}

/** Port (default: any free one) and streams to create up front. */
export interface KinesisStandInOptions {
  port?: number;
  /** Streams to create before returning. */
  streams?: Array<{ name: string; shardCount?: number }>;
}

/** Dummy credentials: kinesalite does not check signatures, but the SDK insists on signing. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Starts kinesalite on 127.0.0.1 with streams that become ACTIVE at once. */
export const startKinesisStandIn = async (options: KinesisStandInOptions = {}): Promise<KinesisStandIn> => {
  const kinesalite = require('kinesalite') as KinesaliteFactory;
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clients: KinesisClient[] = [];
  const client = () => {
    const c = new KinesisClient({
      ...clientConfig({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
      endpoint: url,
    });
    clients.push(c);
    return c;
  };
  const admin = client();

  const createStream = async (name: string, shardCount = 1) => {
    await admin.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
    // kinesalite turns a stream ACTIVE on its next tick; a few short polls cover it.
    for (let poll = 0; poll < 200; poll += 1) {
      const { StreamDescriptionSummary: s } = await admin.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      if (s?.StreamStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`stream ${name} did not become ACTIVE`);
  };

  for (const stream of options.streams ?? []) await createStream(stream.name, stream.shardCount);

  return {
    url,
    port,
    client,
    createStream,
    close: async () => {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
};
