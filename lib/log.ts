/**
 * One JSON object per line, so that CloudWatch Logs Insights can query every field.
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

const WEBHOOK = /https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'<>]+/g;
// Slack tokens: `xoxb-` (bot), `xoxp-` (user), `xoxa-`, `xoxe-`/`xoxe.` (rotating, refresh), `xapp-`
// (app-level) (https://docs.slack.dev/authentication/tokens).
const TOKEN = /\b(xox[a-z]|xapp)[-.][A-Za-z0-9.-]+/g;
export const redact = (text: string): string =>
  text.replace(WEBHOOK, 'https://hooks.slack.com/***').replace(TOKEN, (_m, kind: string) => `${kind}-***`);

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

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

export interface LoggerOptions {
  level?: Level;
  write?: (line: string) => void;
  base?: Fields;
}

export const createLogger = (options: LoggerOptions = {}): Logger => {
  const threshold = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const emit = (level: Level, message: string, fields?: Fields) => {
    if (ORDER[level] < threshold) return;
    const record = {
      level,
      message: redact(message),
      ...(serialise(base) as Fields),
      ...(fields ? (serialise(fields) as Fields) : {}),
    };
    write(JSON.stringify(record));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
};

let processLevel: Level = 'info';
/** Set once by config at cold start (LOG_LEVEL); the logger itself reads no environment. */
export const setLogLevel = (level: Level): void => {
  processLevel = level;
};

/** The process-wide logger. */
export const log: Logger = {
  debug: (m, f) => createLogger({ level: processLevel }).debug(m, f),
  info: (m, f) => createLogger({ level: processLevel }).info(m, f),
  warn: (m, f) => createLogger({ level: processLevel }).warn(m, f),
  error: (m, f) => createLogger({ level: processLevel }).error(m, f),
  child: (fields) => createLogger({ level: processLevel, base: fields }),
};
