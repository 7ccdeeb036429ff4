/** ECS blue/green hook validation: settings, budgets, and the report-exactly-once runner. */
export {
  HOOKS,
  HOOK_IDS,
  HOOK_NAMES,
  hookById,
  hookByName,
  hookFunctionName,
  HookFunctionNameError,
  HOOK_FUNCTION_PREFIX,
} from './hooks.js';
export type { HookId, HookName, HookSpec } from './hooks.js';
export {
  checkWorstCaseMs,
  functionTimeoutSeconds,
  hookTimeoutSeconds,
  LAMBDA_MAX_TIMEOUT_SECONDS,
  REPORT_RESERVE_MS,
  worstCaseMs,
} from './budget.js';
export { hooksSettingsSchema, HooksConfigError, parseHooksSettings, settingsForHook } from './settings.js';
export type { Check, HookSettings, HooksSettings, HooksSettingsInput } from './settings.js';
export { createHttpFetch } from './http-probe.js';
export type { HttpFetch, HttpProbeRequest } from './http-probe.js';
export { hookEventSchema, runHook } from './run-hook.js';
export type { HookDeps, HookEvent, HookVerdict, RunHookInput } from './run-hook.js';
export { formatAppspecHooks } from './appspec.js';
