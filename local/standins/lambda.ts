import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Lambda's Invoke in its own wire protocol (REST-JSON): `POST /2015-03-31/functions/{FunctionName}/
 * invocations?Qualifier=…`, the event as the body, the function's response as the answer's body,
 * `X-Amz-Executed-Version` naming the version that ran and `X-Amz-Function-Error: Unhandled` when
 * it threw, with the runtime's error object as the body
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Point the SDK here with
 * AWS_ENDPOINT_URL_LAMBDA.
 */

/** What one published version does with an event: answer, throw (a function error) or never answer. */
export type LambdaBehaviour = (event: unknown) => unknown;

/** A function of the stand-in account: its published versions and its aliases. */
export interface StandInFunction {
  versions: Record<string, LambdaBehaviour>;
  /** Alias name to the version it points at. */
  aliases: Record<string, string>;
}

/** One invocation the stand-in received. */
export interface StandInInvocation {
  functionName: string;
  qualifier?: string;
  executedVersion?: string;
  event: unknown;
  functionError?: string;
}

export interface LambdaStandIn {
  url: string;
  /** Mutate to change what the functions do. */
  functions: Record<string, StandInFunction>;
  invocations: StandInInvocation[];
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/** `arn:aws:lambda:region:account:function:name[:qualifier]`, `name:qualifier` or `name`. */
const parseFunctionName = (raw: string): { name: string; qualifier?: string } => {
  const afterArn = raw.includes(':function:') ? raw.split(':function:')[1]! : raw;
  const [name, qualifier] = afterArn.split(':');
  return { name: name!, qualifier };
};

export const startLambdaStandIn = async (functions: Record<string, StandInFunction>): Promise<LambdaStandIn> => {
  const invocations: StandInInvocation[] = [];
  const fail = (res: import('node:http').ServerResponse, status: number, type: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ Type: 'User', message }));
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = INVOKE_PATH.exec(url.pathname);
    if (req.method !== 'POST' || !path)
      return fail(res, 404, 'UnknownOperationException', `${url.pathname} is not served`);
    const body = await readBody(req);
    const named = parseFunctionName(decodeURIComponent(path[1]!));
    const qualifier = url.searchParams.get('Qualifier') ?? named.qualifier;
    const fn = functions[named.name];
    const version =
      qualifier === undefined || qualifier === '$LATEST' ? undefined : (fn?.aliases[qualifier] ?? qualifier);
    const run = version !== undefined ? fn?.versions[version] : undefined;
    if (!fn || !run) {
      return fail(
        res,
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:us-east-1:123456789012:function:${named.name}${qualifier ? `:${qualifier}` : ''}`,
      );
    }
    let event: unknown;
    try {
      event = body ? JSON.parse(body) : {};
    } catch {
      return fail(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const invocation: StandInInvocation = { functionName: named.name, qualifier, executedVersion: version, event };
    invocations.push(invocation);
    const headers = { 'content-type': 'application/json', 'x-amz-executed-version': version! };
    try {
      const result = await run(event);
      res.writeHead(200, headers);
      res.end(JSON.stringify(result ?? null));
    } catch (error) {
      // A function that throws still answers 200: the error is the payload, flagged by the header.
      invocation.functionError = 'Unhandled';
      const e = error instanceof Error ? error : new Error(String(error));
      res.writeHead(200, { ...headers, 'x-amz-function-error': 'Unhandled' });
      res.end(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    functions,
    invocations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
