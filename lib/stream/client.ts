import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A Kinesis client over HTTP/1.1. The SDK's default handler for Kinesis is HTTP/2, which local
 * emulators reject; HTTP/1.1 works against AWS as well. Endpoint, region and credentials follow the
 * SDK's standard settings (AWS_ENDPOINT_URL_KINESIS, AWS_REGION, ...) unless given.
 */
export const createKinesisClient = (config: Omit<KinesisClientConfig, 'requestHandler'> = {}): KinesisClient =>
  new KinesisClient({
    ...config,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000 }),
  });
