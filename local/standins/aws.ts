import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the AWS APIs the service calls, answering over real HTTP in each service's
 * own wire protocol, so the real SDK clients (pointed here with AWS_ENDPOINT_URL_<SERVICE>) and the
 * real packaged handlers can run end to end without an account:
 * - JSON 1.1 (CodeDeploy, SSM, EventBridge): POST with `X-Amz-Target: <Prefix>.<Operation>`.
 * - Query (Auto Scaling, ELBv2, EC2): form-encoded POST with `Action` and `Version`, XML answers.
 *
 * Each operation is a function of the parsed request; it returns the answer body (an object for
 * JSON, an XML string for Query) or throws an `AwsFault` to answer with a service error.
 */

export class AwsFault extends Error {
  override name = 'AwsFault';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type JsonOperation = (input: Record<string, unknown>) => unknown | Promise<unknown>;
export type QueryOperation = (params: URLSearchParams) => string | Promise<string>;

export interface StandInCall {
  service: string;
  operation: string;
  input: unknown;
  /** Who signed the request, and for which region (SigV4 credential scope). */
  caller?: Caller;
}

/** The access key and region of a SigV4-signed request, from its Authorization header. */
export interface Caller {
  accessKeyId?: string;
  region?: string;
}

/**
 * SigV4's credential scope: `Credential=<access key>/<date>/<region>/<service>/aws4_request`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
 */
export const callerOf = (authorization: string | undefined): Caller => {
  const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\//.exec(authorization ?? '');
  return scope ? { accessKeyId: scope[1], region: scope[2] } : {};
};

export interface AwsStandInOptions {
  /** Keyed by X-Amz-Target prefix, e.g. `CodeDeploy_20141006`. */
  json?: Record<string, Record<string, JsonOperation>>;
  /** Keyed by API version, e.g. `2011-01-01` for Auto Scaling. */
  query?: Record<string, { namespace: string; operations: Record<string, QueryOperation> }>;
  /**
   * Several accounts and regions behind one endpoint: the operations that serve a caller (by the
   * access key and region it signed with); undefined serves `json` and `query` above. Throwing an
   * `AwsFault` refuses the call, as AWS refuses a key it does not know.
   */
  route?: (caller: Caller) => Pick<AwsStandInOptions, 'json' | 'query'> | undefined;
}

export interface AwsStandIn {
  url: string;
  port: number;
  calls: StandInCall[];
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Wraps a Query operation's result XML in the standard `<XResponse><XResult>` envelope. */
export const queryResponse = (namespace: string, operation: string, resultXml: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="${namespace}">` +
  `<${operation}Result>${resultXml}</${operation}Result>` +
  `<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>` +
  `</${operation}Response>`;

/** Renders a value as Query-protocol XML members (`<member>` for lists). */
export const toXml = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return xmlEscape(String(value));
};

/** Reads `Prefix.member.N` (and `Prefix.member.N.Field`) lists out of Query parameters. */
export const queryList = (params: URLSearchParams, prefix: string): string[] => {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.member.${i}`); i += 1) out.push(params.get(`${prefix}.member.${i}`)!);
  return out;
};

export const startAwsStandIn = async (options: AwsStandInOptions, port = 0): Promise<AwsStandIn> => {
  const calls: StandInCall[] = [];

  const answerJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
    res.end(JSON.stringify(body ?? {}));
  };

  const handleJson = async (
    target: string,
    body: string,
    res: ServerResponse,
    served: Pick<AwsStandInOptions, 'json' | 'query'>,
    caller: Caller,
  ) => {
    const [prefix, operation] = target.split('.') as [string, string];
    const op = served.json?.[prefix]?.[operation];
    if (!op)
      return answerJson(res, 400, {
        __type: 'UnknownOperationException',
        message: `${target} is not served by the stand-in`,
      });
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    calls.push({ service: prefix, operation, input, caller });
    try {
      answerJson(res, 200, await op(input));
    } catch (error) {
      if (error instanceof AwsFault)
        return answerJson(res, error.status, { __type: error.code, message: error.message }, error.headers);
      answerJson(res, 500, { __type: 'InternalFailure', message: String(error) });
    }
  };

  const handleQuery = async (
    body: string,
    res: ServerResponse,
    served: Pick<AwsStandInOptions, 'json' | 'query'>,
    caller: Caller,
  ) => {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    const version = params.get('Version') ?? '';
    const service = served.query?.[version];
    const op = service?.operations[action];
    const fault = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/xml', ...headers });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${service?.namespace ?? ''}"><Error><Type>Sender</Type>` +
          `<Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
          `<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
      );
    };
    if (!service || !op) return fault(400, 'InvalidAction', `${action} (${version}) is not served by the stand-in`);
    calls.push({ service: version, operation: action, input: Object.fromEntries(params), caller });
    try {
      const xml = await op(params);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(queryResponse(service.namespace, action, xml));
    } catch (error) {
      if (error instanceof AwsFault) return fault(error.status, error.code, error.message, error.headers);
      fault(500, 'InternalFailure', String(error));
    }
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const target = req.headers['x-amz-target'];
      const caller = callerOf(req.headers.authorization);
      let served: Pick<AwsStandInOptions, 'json' | 'query'>;
      try {
        served = options.route?.(caller) ?? options;
      } catch (error) {
        if (!(error instanceof AwsFault)) throw error;
        const json = typeof target === 'string';
        res.writeHead(error.status, { 'content-type': json ? 'application/x-amz-json-1.1' : 'text/xml' });
        res.end(
          json
            ? JSON.stringify({ __type: error.code, message: error.message })
            : `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${xmlEscape(error.code)}</Code>` +
                `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
        );
        return;
      }
      if (typeof target === 'string') return await handleJson(target, body, res, served, caller);
      return await handleQuery(body, res, served, caller);
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
