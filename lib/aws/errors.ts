/**
 * What an AWS SDK error means to the service: whether another try can help, and one line of text
 * for logs, alerts and records. Every port and use case asks here, so the rule is written once.
 */

/** Throttling and server-side names the AWS APIs this service calls answer with. */
const TRANSIENT_NAMES = new Set([
  // Throttling (CodeDeploy, ELBv2, CloudWatch, EventBridge, SSM, Auto Scaling, Kinesis).
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  // Service side.
  'InternalFailure',
  'InternalServerError',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSThrottlingException',
  // Time-outs: an attempt abandoned by its own time-out (the SDK reports it as AbortError; callAws
  // never retries once the caller itself cancelled), and the SDK's and the services' own.
  'AbortError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node's network error codes after which the same request may well succeed. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  Error?: { Code?: string };
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** The error's code as the service wrote it (Query protocols nest it under `Error.Code`). */
export const awsErrorCode = (error: unknown): string | undefined => {
  const e = error as SdkErrorShape | undefined;
  if (!e || typeof e !== 'object') return undefined;
  return e.Error?.Code ?? e.Code ?? e.name;
};

/**
 * Whether another try of the same call may succeed: throttling, a 5xx, a time-out or a network
 * failure. A 4xx that names a bad request, a missing resource or a denied permission is final.
 */
export const isTransientAwsError = (error: unknown): boolean => {
  const e = error as SdkErrorShape | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.$retryable) return true;
  const code = awsErrorCode(e);
  if (code && TRANSIENT_NAMES.has(code)) return true;
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  const cause = e.cause as { code?: string } | undefined;
  if (cause?.code && TRANSIENT_CODES.has(cause.code)) return true;
  return (e.$metadata?.httpStatusCode ?? 0) >= 500;
};

/** One line about an error: `Name: message`, whatever was thrown. */
export const errorText = (error: unknown): string => {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  if (typeof error === 'string') return error;
  try {
    return `unexpected error: ${JSON.stringify(error)}`;
  } catch {
    return `unexpected error: ${String(error)}`;
  }
};
