import * as z from 'zod/mini';
import { defaulted } from '../zod.js';
import { hookTimeoutSeconds, LAMBDA_MAX_TIMEOUT_SECONDS, worstCaseMs } from './budget.js';
import { platformIssues } from './groups.js';
import { HOOKS, type HookName, PLATFORMS } from './hooks.js';
import { JsonPathError, parseJsonPath } from './json-path.js';
import { Pattern, PatternError } from './pattern.js';
import { stringsIn, VARIABLE_REF, VARIABLES, variablesIn } from './variables.js';

/**
 * The `hooks` section of a stage's settings file: per lifecycle hook, the checks that must all pass
 * before the hook reports Succeeded. Parsed when the service is packaged and again at cold start.
 * Durations are milliseconds or strings such as `250ms`, `5s`, `2m`.
 */

const templated = z.string().check(
  z.superRefine((text, ctx) => {
    for (const name of variablesIn(text)) {
      if (!(VARIABLES as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', message: `unknown variable \${${name}}; known: ${VARIABLES.join(', ')}` });
      }
    }
  }),
);

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** A duration as milliseconds: a number of ms, or `250ms` / `5s` / `2m`. */
export const durationSchema = z.pipe(
  z.union([z.number(), z.string()]),
  z.transform((value: number | string, ctx) => {
    if (typeof value === 'number') {
      if (Number.isInteger(value) && value >= 0) return value;
      ctx.issues.push({
        code: 'custom',
        message: `a duration in milliseconds must be a whole number >= 0, got ${value}`,
        input: value,
      });
      return z.NEVER;
    }
    const match = /^(\d+)(ms|s|m)$/.exec(value.trim());
    if (!match) {
      ctx.issues.push({
        code: 'custom',
        message: `"${value}" is not a duration; write e.g. 500ms, 5s or 2m`,
        input: value,
      });
      return z.NEVER;
    }
    return Number(match[1]) * UNITS[match[2]!]!;
  }),
);

/** A regular expression, compiled once here for the linear-time engine (see pattern.ts). */
const patternSchema = z.pipe(
  z.string(),
  z.transform((source: string, ctx) => {
    try {
      return Pattern.compile(source);
    } catch (error) {
      if (!(error instanceof PatternError)) throw error;
      // Continuable, so that the union of header expectations reports this reason, not "Invalid input".
      ctx.issues.push({ code: 'custom', message: error.message, input: source, continue: true });
      return z.NEVER;
    }
  }),
);

const jsonPathSchema = z.string().check(
  z.superRefine((path, ctx) => {
    try {
      parseJsonPath(path);
    } catch (error) {
      if (!(error instanceof JsonPathError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  }),
);

// A field name is a token; a field value holds tabs, spaces, visible ASCII and obs-text (Latin-1)
// (RFC 9110, sections 5.1, 5.5 and 5.6.2: https://www.rfc-editor.org/rfc/rfc9110). Node's HTTP
// client throws on anything else, so such a header would fail every measurement.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

const checkHeaderName = (name: string, ctx: z.core.$RefinementCtx) => {
  if (!TOKEN.test(name)) {
    ctx.addIssue({
      code: 'custom',
      path: [name],
      message: `"${name}" is not an HTTP header name: a name is a token of letters, digits and !#$%&'*+-.^_\`|~ (no spaces)`,
    });
  }
};

const checkHeaderValue = (name: string, value: string, ctx: z.core.$RefinementCtx) => {
  if (!FIELD_VALUE.test(value)) {
    ctx.addIssue({
      code: 'custom',
      path: [name],
      message: `${JSON.stringify(value)} is not an HTTP header value: no line breaks, control characters or characters beyond Latin-1`,
    });
  }
};

const isHttpUrl = (text: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(text.replace(VARIABLE_REF, 'x')).protocol);
  } catch {
    return false;
  }
};

/** Measurement schedule and limits shared by every check (after Argo Rollouts' AnalysisTemplate). */
const scheduleFields = {
  name: z
    .string()
    .check(z.minLength(1), z.maxLength(80), z.describe('Unique within the hook; names the check in every log line.')),
  dryRun: defaulted(z.boolean(), false, 'Measured and logged, never failing the hook.'),
  count: defaulted(
    z.number().check(z.int(), z.gte(1), z.lte(100)),
    1,
    'Conclusive measurements (passes and failures; errors are retried and not counted here).',
  ),
  interval: defaulted(
    durationSchema,
    5_000,
    'Wait between two measurements, and before retrying an error: ms, or 500ms, 5s, 2m.',
  ),
  initialDelay: defaulted(durationSchema, 0, 'Wait before the first measurement: ms, or 500ms, 5s, 2m.'),
  timeout: defaulted(
    durationSchema.check(
      z.refine((ms) => ms > 0, 'timeout must be more than 0, or every measurement is abandoned at once'),
    ),
    5_000,
    'Each measurement is abandoned (an error) after this long: ms, or 500ms, 5s, 2m.',
  ),
  failureLimit: defaulted(
    z.number().check(z.int(), z.gte(0)),
    0,
    'Failed measurements tolerated; one more fails the check. Must be below count.',
  ),
  consecutiveErrorLimit: defaulted(
    z.number().check(z.int(), z.gte(0), z.lte(10)),
    2,
    'Consecutive errors (no answer, refused, throttled) tolerated; one more fails the check.',
  ),
};

const statusSpec = z.union([
  z.number().check(z.int(), z.gte(100), z.lte(599)),
  z.pipe(
    z.string().check(z.regex(/^([1-5]xx|[1-5]\d\d)$/, 'write a status as 200, or a class as 2xx')),
    z.transform((s: string) => (s.endsWith('xx') ? s : Number(s))),
  ),
]);

const jsonExpectationSchema = z
  .strictObject({
    path: jsonPathSchema,
    equals: z.optional(z.unknown()),
    notEquals: z.optional(z.unknown()),
    exists: z.optional(z.boolean()),
    matches: z.optional(patternSchema),
    atLeast: z.optional(z.number()),
    atMost: z.optional(z.number()),
  })
  .check(
    z.refine(
      (e) => ['equals', 'notEquals', 'exists', 'matches', 'atLeast', 'atMost'].some((k) => k in e),
      'give at least one of equals, notEquals, exists, matches, atLeast, atMost',
    ),
  );

const stringList = z.pipe(
  z.union([z.string().check(z.minLength(1)), z.array(z.string().check(z.minLength(1))).check(z.minLength(1))]),
  z.transform((v: string | string[]) => (Array.isArray(v) ? v : [v])),
);

const httpExpectSchema = z.strictObject({
  status: defaulted(
    z.pipe(
      z.union([statusSpec, z.array(statusSpec).check(z.minLength(1))]),
      z.transform((v: z.output<typeof statusSpec> | z.output<typeof statusSpec>[]) => (Array.isArray(v) ? v : [v])),
    ),
    ['2xx'],
    '200, 2xx, or a list of either.',
  ),
  headers: z
    .optional(
      z
        .record(
          z.string(),
          z.union([
            z.string(),
            z.strictObject({ matches: patternSchema }),
            z.strictObject({ absent: z.literal(true) }),
          ]),
        )
        .check(
          z.superRefine((headers, ctx) => {
            for (const [name, wanted] of Object.entries(headers)) {
              checkHeaderName(name, ctx);
              if (typeof wanted === 'string') checkHeaderValue(name, wanted, ctx);
            }
          }),
        ),
    )
    .check(z.describe('Header name (any case) to an exact value, or { matches: RE2 pattern }, or { absent: true }.')),
  bodyContains: z.optional(stringList).check(z.describe('Text the body must contain, or a list of them.')),
  bodyNotContains: z.optional(stringList).check(z.describe('Text the body must not contain, or a list of them.')),
  bodyMatches: z.optional(patternSchema).check(z.describe('An RE2 pattern the body must match.')),
  json: z
    .optional(z.array(jsonExpectationSchema).check(z.minLength(1)))
    .check(z.describe('Values at JSON paths such as $.status; the body must be JSON when any is given.')),
  maxLatency: z
    .optional(durationSchema)
    .check(z.describe('The whole answer (headers and body) must arrive within this: ms, or 500ms, 5s, 2m.')),
});

const BODY_EXPECTATIONS = ['bodyContains', 'bodyNotContains', 'bodyMatches', 'json'] as const;

/** An HTTP probe of a listener or URL. */
export const httpCheckSchema = z
  .strictObject({
    ...scheduleFields,
    type: z.literal('http').check(z.describe('An HTTP probe of a listener or URL.')),
    target: z
      .optional(z.enum(['test', 'production']))
      .check(z.describe('The listener to probe, as discovered or as set under discovery: test by default.')),
    url: z
      .optional(templated.check(z.refine(isHttpUrl, 'url must be an http:// or https:// URL')))
      .check(z.describe('A full http:// or https:// URL instead of a listener.')),
    path: z._default(templated.check(z.refine((p) => p.startsWith('/'), 'path must start with "/"')), '/'),
    method: z._default(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']), 'GET'),
    headers: z._default(
      z.record(z.string(), templated).check(
        z.superRefine((headers, ctx) => {
          for (const [name, value] of Object.entries(headers)) {
            checkHeaderName(name, ctx);
            checkHeaderValue(name, value, ctx);
          }
        }),
      ),
      {},
    ),
    body: z.optional(templated),
    expect: defaulted(httpExpectSchema, { status: ['2xx'] }, 'What the answer must be; by default a 2xx status.'),
  })
  .check(
    z.superRefine((check, ctx) => {
      if (check.url && check.target) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: 'give either target or url, not both' });
      }
      if (check.expect.maxLatency !== undefined && check.expect.maxLatency > check.timeout) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', 'maxLatency'],
          message: `maxLatency (${check.expect.maxLatency} ms) exceeds the request timeout (${check.timeout} ms)`,
        });
      }
      // A HEAD answer carries no content (RFC 9110, section 9.3.2), so these would fail every time.
      if (check.method === 'HEAD') {
        for (const key of BODY_EXPECTATIONS) {
          if (check.expect[key] === undefined) continue;
          ctx.addIssue({
            code: 'custom',
            path: ['expect', key],
            message: `a HEAD answer has no body to check: use GET, or drop ${key}`,
          });
        }
      }
    }),
  );

/**
 * Periods GetMetricData serves: any multiple of 60, and 1, 5, 10, 20 or 30 seconds for
 * high-resolution metrics (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html).
 */
const periodSchema = z.number().check(
  z.int(),
  z.gte(1),
  z.superRefine((seconds, ctx) => {
    if (seconds % 60 === 0 || [1, 5, 10, 20, 30].includes(seconds)) return;
    ctx.addIssue({
      code: 'custom',
      message: `CloudWatch has no ${seconds} s period: use a multiple of 60, or 1, 5, 10, 20 or 30 for high-resolution metrics`,
    });
  }),
);

const DECIMAL = String.raw`\d+(?:\.\d+)?`;
const ONE_NUMBER = new RegExp(`^(?:p|tm|wm|tc|ts)(${DECIMAL})$`);
const RANGE = new RegExp(`^(TM|WM|TC|TS|PR)\\((?:(${DECIMAL})(%?))?:(?:(${DECIMAL})(%?))?\\)$`);
const SIMPLE_STATISTICS = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum', 'IQM']);

/** A percentage as CloudWatch takes it: 0 to 100, up to 10 decimal places. */
const isPercentage = (text: string) => Number(text) <= 100 && (text.split('.')[1] ?? '').length <= 10;

/**
 * Whether CloudWatch knows the statistic, in the forms its documentation gives: lower case with
 * one number (p99, tm90), upper case with a range (TM(10%:90%), PR(:300)), both bounds percentages
 * or both values, and percentile rank with values only
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).
 */
const isCloudWatchStatistic = (stat: string): boolean => {
  if (SIMPLE_STATISTICS.has(stat)) return true;
  const one = ONE_NUMBER.exec(stat);
  if (one) return isPercentage(one[1]!);
  const range = RANGE.exec(stat);
  if (!range) return false;
  const [, name, lower, lowerPercent, upper, upperPercent] = range;
  if (lower === undefined && upper === undefined) return false;
  if (lower !== undefined && upper !== undefined && lowerPercent !== upperPercent) return false;
  if (lowerPercent !== '%' && upperPercent !== '%') return true;
  return name !== 'PR' && [lower, upper].every((bound) => bound === undefined || isPercentage(bound));
};

const statisticSchema = z.string().check(
  z.superRefine((stat, ctx) => {
    if (isCloudWatchStatistic(stat)) return;
    ctx.addIssue({
      code: 'custom',
      message:
        `"${stat}" is not a CloudWatch statistic: use SampleCount, Average, Sum, Minimum, Maximum, IQM, ` +
        'p99, tm90, wm90, tc90, ts90 (lower case with one number) or TM, WM, TC, TS, PR with a range such as TM(10%:90%) or PR(:300)',
    });
  }),
);

const metricQuerySchema = z
  .strictObject({
    /** GetMetricData's rule: starts with a lower-case letter. */
    id: z
      .string()
      .check(
        z.regex(/^[a-z][a-zA-Z0-9_]*$/, 'a query id starts with a lower-case letter, then letters, digits, _'),
        z.describe('Names the query for evaluate and for expressions.'),
      ),
    metric: z.optional(
      z.strictObject({
        namespace: z.string().check(z.minLength(1)),
        name: z.string().check(z.minLength(1)),
        dimensions: z._default(z.record(z.string(), templated), {}),
        stat: defaulted(
          statisticSchema,
          'Average',
          'SampleCount, Average, Sum, Minimum, Maximum, IQM, p99, tm90, TM(10%:90%), PR(:300)…',
        ),
        period: defaulted(periodSchema, 60, 'Seconds: a multiple of 60, or 1, 5, 10, 20, 30 (high resolution).'),
        unit: z.optional(z.string()),
      }),
    ),
    expression: z
      .optional(templated)
      .check(z.describe('Metric math over other query ids, e.g. 100 * errors / requests.')),
    label: z.optional(z.string()),
    period: z.optional(periodSchema),
  })
  .check(
    z.refine(
      (q) => (q.metric === undefined) !== (q.expression === undefined),
      'give exactly one of metric or expression',
    ),
  );

/** How a metric series becomes one number. */
export const REDUCTIONS = ['max', 'min', 'avg', 'sum', 'last'] as const;
export type Reduction = (typeof REDUCTIONS)[number];
/** How the number is compared with the threshold (the check passes when it holds). */
export const COMPARISONS = ['<', '<=', '>', '>='] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** A GetMetricData threshold over a window. */
export const cloudWatchCheckSchema = z
  .strictObject({
    ...scheduleFields,
    type: z.literal('cloudwatch').check(z.describe('A GetMetricData threshold over a window.')),
    window: defaulted(durationSchema, 300_000, 'The metrics are read from now minus this window to now: at least 1m.'),
    queries: z
      .array(metricQuerySchema)
      .check(
        z.minLength(1),
        z.maxLength(20),
        z.describe('GetMetricData queries: a metric, or metric math over other query ids.'),
      ),
    evaluate: z
      .optional(z.string())
      .check(z.describe('The id of the query whose values are judged; the last query by default.')),
    reduce: z.enum(REDUCTIONS).check(z.describe("How the query's values become one number.")),
    passWhen: z.enum(COMPARISONS).check(z.describe('The check passes when reduce(values) <passWhen> threshold.')),
    threshold: z.number(),
    noData: z.enum(['pass', 'fail']).check(z.describe('What no datapoints mean; there is no default on purpose.')),
  })
  .check(
    z.superRefine((check, ctx) => {
      const ids = check.queries.map((q) => q.id);
      if (new Set(ids).size !== ids.length)
        ctx.addIssue({ code: 'custom', path: ['queries'], message: 'query ids must be unique' });
      if (check.evaluate !== undefined && !ids.includes(check.evaluate)) {
        ctx.addIssue({
          code: 'custom',
          path: ['evaluate'],
          message: `"${check.evaluate}" is not one of the query ids (${ids.join(', ')})`,
        });
      }
      if (check.window < 60_000)
        ctx.addIssue({ code: 'custom', path: ['window'], message: 'window must be at least 1m' });
    }),
  );

/** Named CloudWatch alarms that must not be in ALARM. */
export const alarmsCheckSchema = z
  .strictObject({
    ...scheduleFields,
    type: z.literal('alarms').check(z.describe('Named CloudWatch alarms that must not be in ALARM.')),
    alarms: defaulted(
      z.array(z.pipe(templated, z.string().check(z.minLength(1)))).check(z.maxLength(100)),
      [],
      'Names of CloudWatch alarms that must not be in ALARM; ${variables} are filled in, e.g. ${functionName}-errors.',
    ),
    fromDeploymentGroup: defaulted(z.boolean(), false, 'Also watch the alarms configured on the deployment group.'),
  })
  .check(
    z.refine(
      (c) => c.alarms.length > 0 || c.fromDeploymentGroup,
      'name at least one alarm or set fromDeploymentGroup: true',
    ),
  );

/** The healthy share of a target group's targets. */
export const targetHealthCheckSchema = z.strictObject({
  ...scheduleFields,
  type: z.literal('targetHealth').check(z.describe("The healthy share of a target group's targets.")),
  targetGroup: defaulted(z.string().check(z.minLength(1)), 'green', 'green, blue, or a target group name or ARN.'),
  minHealthyPercent: defaulted(
    z.number().check(z.gte(0), z.lte(100)),
    100,
    'The share of targets that must be healthy; a group without targets fails.',
  ),
});

/**
 * A Lambda function name as Invoke takes it in FunctionName without a qualifier
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html): letters, digits, hyphens and
 * underscores, up to 64 characters. A name, not an ARN, so that IAM can name it too.
 */
const functionNameSchema = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9_-]{1,64}$/,
      'a function name: letters, digits, - and _, at most 64 characters (no ARN, no :qualifier)',
    ),
  );

/** Any JSON value (an invocation's event); named once in the JSON Schema. */
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const jsonValueSchema: z.ZodMiniType<JsonValue> = z
  .union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(z.lazy(() => jsonValueSchema)),
    z.record(
      z.string(),
      z.lazy(() => jsonValueSchema),
    ),
  ])
  .check(z.meta({ id: 'jsonValue' }));

const invokeExpectSchema = z.strictObject({
  json: z
    .optional(z.array(jsonExpectationSchema).check(z.minLength(1)))
    .check(z.describe("Values at JSON paths of the function's response, such as $.statusCode.")),
  maxDuration: z
    .optional(durationSchema)
    .check(z.describe('The invocation, as the hook waits for it, must end within this: ms, or 500ms, 5s, 2m.')),
});

/** Invokes the deployment's target version (never the alias) with a payload, and judges the response. */
export const invokeCheckSchema = z
  .strictObject({
    ...scheduleFields,
    type: z
      .literal('invoke')
      .check(z.describe('Lambda deployments: invokes the target version (never the alias) and judges its response.')),
    function: functionNameSchema.check(
      z.describe('The function the deployment shifts traffic for; named here so the hook may invoke only it.'),
    ),
    payload: defaulted(
      jsonValueSchema,
      {},
      'The event sent to the function, as JSON; ${variables} in its strings are filled in.',
    ),
    expect: defaulted(
      invokeExpectSchema,
      {},
      'Besides no function error and the target version executing: response values and duration.',
    ),
  })
  .check(
    z.superRefine((check, ctx) => {
      for (const text of stringsIn(check.payload)) {
        for (const name of variablesIn(text)) {
          if (!(VARIABLES as readonly string[]).includes(name))
            ctx.addIssue({
              code: 'custom',
              path: ['payload'],
              message: `unknown variable \${${name}}; known: ${VARIABLES.join(', ')}`,
            });
        }
      }
      if (check.expect.maxDuration !== undefined && check.expect.maxDuration > check.timeout) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', 'maxDuration'],
          message: `maxDuration (${check.expect.maxDuration} ms) exceeds the invocation timeout (${check.timeout} ms)`,
        });
      }
    }),
  );

/** Any check, by its `type`. */
export const checkSchema = z.discriminatedUnion('type', [
  httpCheckSchema,
  cloudWatchCheckSchema,
  alarmsCheckSchema,
  targetHealthCheckSchema,
  invokeCheckSchema,
]);

const endpointOverrideSchema = z.strictObject({
  url: z
    .optional(z.string().check(z.refine(isHttpUrl, 'url must be an http:// or https:// URL')))
    .check(z.describe('Base URL of the listener, e.g. https://internal-orders-123.eu-west-1.elb.amazonaws.com:8443.')),
  host: z
    .optional(z.string().check(z.regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'host must be a host name')))
    .check(z.describe('Host header, and TLS server name (SNI) for https, when the certificate names another host.')),
});

/** Overrides of what discovery finds. */
export const discoverySchema = z.strictObject({
  testListener: z.optional(endpointOverrideSchema),
  productionListener: z.optional(endpointOverrideSchema),
  greenTargetGroup: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe('Name or ARN; needed when the deployment exposes no task sets (CloudFormation-driven).')),
  blueTargetGroup: z.optional(z.string().check(z.minLength(1))).check(z.describe('Name or ARN.')),
  loadBalancer: z
    .optional(z.string().check(z.startsWith('arn:', 'loadBalancer must be an ARN')))
    .check(z.describe('ARN of the load balancer for ${loadBalancer}.')),
});

/** The settings of one hook; `id` names it once in the JSON Schema instead of once per hook. */
export const hookSettingsSchema = z
  .strictObject({
    checks: defaulted(z.array(checkSchema), [], 'Run side by side; all must pass for the hook to report Succeeded.'),
    timeoutSeconds: z
      .optional(z.number().check(z.int(), z.gte(1), z.lte(LAMBDA_MAX_TIMEOUT_SECONDS)))
      .check(z.describe("The function's timeout; derived from the checks' worst case when absent.")),
  })
  .check(z.meta({ id: 'hookSettings' }));

const hookKey = (name: HookName) =>
  z.optional(hookSettingsSchema).check(z.describe(HOOKS.find((hook) => hook.name === name)!.assumes));

const hookKeys = {
  BeforeInstall: hookKey('BeforeInstall'),
  AfterInstall: hookKey('AfterInstall'),
  AfterAllowTestTraffic: hookKey('AfterAllowTestTraffic'),
  BeforeAllowTraffic: hookKey('BeforeAllowTraffic'),
  AfterAllowTraffic: hookKey('AfterAllowTraffic'),
};

/**
 * `application/deploymentGroup`, either part a name or a pattern with `*`; the IAM ARN of a
 * deployment group joins the two names the same way (`deploymentgroup:application/group`).
 */
export const GROUP_KEY = /^[^/\s]+\/[^/\s]+$/;

/** The checks of the deployment groups one key matches; what it leaves out comes from the account-wide keys. */
export const groupSettingsSchema = z
  .strictObject({
    platform: z
      .optional(z.enum(PLATFORMS))
      .check(z.describe("The groups' compute platform: checks the platform cannot run are refused when packaging.")),
    allowUnchecked: z
      .optional(z.boolean())
      .check(z.describe('A hook that has no checks for these groups reports Succeeded instead of Failed.')),
    discovery: z
      .optional(discoverySchema)
      .check(z.describe('Overrides of what is found from the deployment, over the account-wide ones (ECS).')),
    ...hookKeys,
  })
  .check(z.meta({ id: 'groupSettings' }));

const checkNamesAndLimits = (
  hook: (typeof HOOKS)[number],
  hookSettings: z.output<typeof hookSettingsSchema>,
  discovery: z.output<typeof discoverySchema>,
  at: PropertyKey[],
  ctx: z.core.$RefinementCtx,
) => {
  const names = hookSettings.checks.map((c) => c.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i)
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'checks', i, 'name'],
        message: `check name "${name}" is used twice`,
      });
  });
  hookSettings.checks.forEach((check, i) => {
    const path = [...at, 'checks', i];
    if (check.failureLimit >= check.count) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'failureLimit'],
        message: `failureLimit (${check.failureLimit}) must be below count (${check.count}), or the check can never fail`,
      });
    }
    if (
      check.type === 'http' &&
      !check.url &&
      (check.target ?? 'test') === 'test' &&
      hook.testListenerServes !== 'green'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'target'],
        message: `in ${hook.name} the test listener still serves blue, so this probe would not test the new version; probe it from AfterAllowTestTraffic or later`,
      });
    }
    if (check.type === 'targetHealth' && check.targetGroup === 'green' && !hook.greenTaskSet) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'targetGroup'],
        message: `in ${hook.name} the green task set does not exist yet, so the green target group has no targets`,
      });
    }
  });
  const needed = hookTimeoutSeconds(hookSettings, discovery);
  if (needed > LAMBDA_MAX_TIMEOUT_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: at,
      message: `the checks' worst case (${Math.ceil(worstCaseMs(hookSettings, discovery) / 1000)} s) needs a ${needed} s timeout; Lambda allows ${LAMBDA_MAX_TIMEOUT_SECONDS} s. Lower count, interval, timeout or consecutiveErrorLimit`,
    });
  } else if (hookSettings.timeoutSeconds !== undefined && needed > hookSettings.timeoutSeconds) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'timeoutSeconds'],
      message: `the checks' worst case needs ${needed} s, more than timeoutSeconds (${hookSettings.timeoutSeconds} s)`,
    });
  }
};

/** The `hooks` key of a stage's settings file. */
export const hooksSettingsSchema = z
  .strictObject({
    observeOnly: defaulted(z.boolean(), false, 'Measure and log everything, and always report Succeeded.'),
    discovery: defaulted(discoverySchema, {}, 'Overrides of what is found from the deployment.'),
    groups: defaulted(
      z.record(z.string(), groupSettingsSchema),
      {},
      'Checks per deployment group, keyed application/deploymentGroup (* matches any run of characters). ' +
        'For each hook the most specific key that sets it wins (exact names before patterns); ' +
        'a hook no key sets takes the account-wide checks below.',
    ),
    ...hookKeys,
  })
  .check(
    z.superRefine((settings, ctx) => {
      for (const hook of HOOKS) {
        const hookSettings = settings[hook.name];
        if (hookSettings) checkNamesAndLimits(hook, hookSettings, settings.discovery, [hook.name], ctx);
      }
      for (const [key, group] of Object.entries(settings.groups)) {
        // Checked here rather than by the record's key schema, whose failure names no reason.
        if (!GROUP_KEY.test(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['groups', key],
            message: `"${key}" is not application/deploymentGroup: name both, each a name or a pattern with *, e.g. orders/orders-ecs or orders/*`,
          });
          continue;
        }
        const discovery = { ...settings.discovery, ...group.discovery };
        for (const hook of HOOKS) {
          const hookSettings = group[hook.name];
          if (hookSettings) checkNamesAndLimits(hook, hookSettings, discovery, ['groups', key, hook.name], ctx);
        }
        for (const issue of platformIssues(settings, key)) ctx.addIssue({ code: 'custom', ...issue });
      }
    }),
    z.describe(
      'The checks of the CodeDeploy lifecycle hooks (ECS and Lambda): per hook, the checks that must all pass before it reports Succeeded, account-wide or per deployment group.',
    ),
  );

export type HooksSettingsInput = z.input<typeof hooksSettingsSchema>;
export type HooksSettings = z.output<typeof hooksSettingsSchema>;
export type HookSettings = z.output<typeof hookSettingsSchema>;
export type Check = z.output<typeof checkSchema>;
export type HttpCheck = z.output<typeof httpCheckSchema>;
export type CloudWatchCheck = z.output<typeof cloudWatchCheckSchema>;
export type AlarmsCheck = z.output<typeof alarmsCheckSchema>;
export type TargetHealthCheck = z.output<typeof targetHealthCheckSchema>;
export type InvokeCheck = z.output<typeof invokeCheckSchema>;
export type InvokeExpectations = z.output<typeof invokeExpectSchema>;
export type GroupSettings = z.output<typeof groupSettingsSchema>;
export type HttpExpectations = z.output<typeof httpExpectSchema>;
export type JsonExpectation = z.output<typeof jsonExpectationSchema>;
export type DiscoveryOverrides = z.output<typeof discoverySchema>;

/** Raised for an invalid `hooks` section; the message lists every problem with its path. */
export class HooksConfigError extends Error {
  override name = 'HooksConfigError';
}

/** Formats zod issues as `hooks.AfterAllowTestTraffic.checks[0].count: ...` lines. */
export const formatIssues = (issues: readonly z.core.$ZodIssue[], root = 'hooks'): string =>
  issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
        root,
      );
      return `${path}: ${issue.message}`;
    })
    .join('\n');

/** The parsed `hooks` section, or a HooksConfigError naming every problem (never throws). */
export const parseHooksSettings = (raw: unknown): HooksSettings | HooksConfigError => {
  const result = hooksSettingsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  return new HooksConfigError(`invalid hooks settings:\n${formatIssues(result.error.issues)}`, { cause: result.error });
};
