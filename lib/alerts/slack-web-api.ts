/**
 * Slack's Web API client, alone in a module: app mode loads it with `import()` on its first call,
 * and the packaging makes it a bundle of its own (esbuild.config.cjs), so a notifier's cold start
 * never parses it. It holds nothing of the service: a lazily bundled module keeps its own copy of
 * whatever it imports.
 */
export {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
