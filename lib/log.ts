import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';

/**
 * One JSON object per line, so that CloudWatch Logs Insights can query every field, written by
 * Powertools for AWS Lambda's Logger: within an invocation every line carries the request id, the
 * cold-start flag, the function name and the invocation's own keys (the EventBridge event id, a
 * hook's deployment and lifecycle execution ids), not only the lines that name them
 * (https://docs.powertools.aws.dev/lambda/typescript/latest/features/logger/).
 * Anything that looks like a Slack webhook URL or a Slack token is masked before it is written: both
 * are credentials and must never reach a log line.
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;
export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

/** The logger a handler owns: it is told when an invocation starts, and its lines then say which. */
export interface InvocationLogger extends Logger {
  /** From now on every line carries this invocation's context and `keys` (the previous ones are dropped). */
  startInvocation(context: Pick<Context, 'awsRequestId' | 'functionName'> & Partial<Context>, keys: Fields): void;
}

const WEBHOOK = /https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>]+/g;
// Slack tokens: `xoxb-` (bot), `xoxp-` (user), `xoxa-`, `xoxe-`/`xoxe.` (rotating, refresh), `xapp-`
// (app-level) (https://docs.slack.dev/authentication/tokens).
const TOKEN = /\b(xox[a-z]|xapp)[-.][A-Za-z0-9.-]+/g;
export const redact = (text: string): string =>
  text.replace(WEBHOOK, 'https://hooks.slack.com/***').replace(TOKEN, (_m, kind: string) => `${kind}-***`);

/** Errors as name, message, code, status and cause: never the stack of payloads an SDK error can hold. */
const serialise = (value: unknown, depth = 0): unknown => {
  if (value instanceof Error) {
    const out: Fields = { name: value.name, message: redact(value.message) };
    const extra = value as Error & { code?: unknown; status?: unknown; $metadata?: unknown };
    if (extra.code !== undefined) out.code = extra.code;
    if (extra.status !== undefined) out.status = extra.status;
    if (value.cause !== undefined && depth < 3) out.cause = serialise(value.cause, depth + 1);
    return out;
  }
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return depth > 4 ? '[…]' : value.map((v) => serialise(v, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 4) return '{…}';
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, serialise(v, depth + 1)]));
  }
  return value;
};

/** The service's line: its own level names and camelCase keys, then the invocation's keys, then the line's. */
class LineFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const lambda = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel.toLowerCase(),
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        functionName: lambda?.functionName,
        requestId: lambda?.awsRequestId,
        coldStart: lambda?.coldStart,
        xrayTraceId: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }
}

/** Masks every string of a line, whichever key holds it (the last guard before it is written). */
const redactingReplacer = (_key: string, value: unknown) => (typeof value === 'string' ? redact(value) : value);

/** Powertools' Logger, writing each line to one sink (stdout in Lambda; a list in tests). */
class LineLogger extends PowertoolsLogger {
  constructor(
    options: ConstructorParameters<typeof PowertoolsLogger>[0],
    private readonly write: (line: string) => void,
  ) {
    super(options);
  }
  protected override printLog(_level: number, item: LogItem): void {
    item.prepareForPrint();
    this.write(JSON.stringify(item.getAttributes(), this.getJsonReplacer()));
  }
}

export interface LoggerOptions {
  level?: Level;
  write?: (line: string) => void;
  base?: Fields;
  service?: string;
}

const DEFAULT_SERVICE = 'deploy-sentinel';

/** A logger over its own Powertools Logger; children share it (and so its invocation context). */
export const createLogger = (options: LoggerOptions = {}): InvocationLogger & { setLevel(level: Level): void } => {
  const powertools = new LineLogger(
    {
      serviceName: options.service ?? DEFAULT_SERVICE,
      logLevel: (options.level ?? 'info').toUpperCase() as Uppercase<Level>,
      logFormatter: new LineFormatter(),
      jsonReplacerFn: redactingReplacer,
    },
    options.write ?? ((line: string) => process.stdout.write(`${line}\n`)),
  );
  const wrap = (base: Fields): Logger => {
    const emit = (level: Level, message: string, fields?: Fields) =>
      powertools[level](redact(message), serialise({ ...base, ...fields }) as Fields);
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (fields) => wrap({ ...base, ...fields }),
    };
  };
  return {
    ...wrap(options.base ?? {}),
    startInvocation(context, keys) {
      powertools.resetKeys();
      powertools.addContext(context as Context);
      powertools.appendKeys(serialise(keys) as Fields);
    },
    setLevel: (level) => powertools.setLogLevel(level.toUpperCase() as Uppercase<Level>),
  };
};

/** The process-wide logger. */
const processLogger = createLogger();
export const log: InvocationLogger = processLogger;

/**
 * Set once by config at cold start (LOG_LEVEL, the stage parameter logLevel). Only config reads the
 * service's environment; Powertools reads Lambda's own variables (the X-Ray trace id, the
 * initialization type for the cold start, and the advanced logging controls' level, which wins).
 */
export const setLogLevel = (level: Level): void => processLogger.setLevel(level);
