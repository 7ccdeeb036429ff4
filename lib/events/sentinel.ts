import * as z from 'zod/mini';
import '../zod.js';

/**
 * deploy-sentinel's own events, published on the default bus by the cleanup so that the notifier
 * and the stream report a deletion even when Slack was down at the time it happened.
 */

export const SENTINEL_SOURCE = 'deploy-sentinel';
export const CLEANUP_DETAIL_TYPE = 'Deploy Sentinel Cleanup';

/** What started a cleanup. */
export const CLEANUP_TRIGGERS = ['event', 'sweep'] as const;
/** `event`: a FAILURE/STOP state change (acts at once); `sweep`: the scheduled pass over the region. */
export type CleanupTrigger = (typeof CLEANUP_TRIGGERS)[number];

/** Whether the cleanup deletes or only reports (stage parameter `cleanupMode`). */
export const CLEANUP_MODES = ['delete', 'report'] as const;
/** `report` decides and reports but deletes nothing. */
export type CleanupMode = (typeof CLEANUP_MODES)[number];

/**
 * - `deleted`: the orphaned group was deleted.
 * - `would-delete`: report mode; it would have been deleted.
 * - `kept`: a candidate was looked at and kept; `reason` says which rule refused it.
 * - `delete-failed`: deletion was attempted and failed after retries.
 * - `green-instances-running`: a DISCOVER_EXISTING deployment left green instances running;
 *   CodeDeploy created nothing, so nothing is deleted.
 * - `sweep-incomplete`: a sweep stopped before its deadline with candidates left unexamined.
 */
export const CLEANUP_ACTIONS = [
  'deleted',
  'would-delete',
  'kept',
  'delete-failed',
  'green-instances-running',
  'sweep-incomplete',
] as const;
export type CleanupAction = (typeof CLEANUP_ACTIONS)[number];

/** The fields the contract names; schema/state-record.v1.json documents their use in the stream. */
const cleanupDetailFields = z.object({
  action: z.enum(CLEANUP_ACTIONS),
  trigger: z.enum(CLEANUP_TRIGGERS),
  mode: z.enum(CLEANUP_MODES),
  /** A named reason (`live-group`, `deployment-in-progress`, …) for kept groups; `orphan` otherwise. */
  reason: z.string().check(z.minLength(1)),
  /** The same reason in words, for people. */
  reasonText: z.optional(z.string()),
  autoScalingGroupName: z.optional(z.string()),
  application: z.optional(z.string()),
  deploymentGroup: z.optional(z.string()),
  deploymentId: z.optional(z.string()),
  deploymentStatus: z.optional(z.string()),
  instanceCount: z.optional(z.number().check(z.int(), z.nonnegative())),
  instanceTypes: z.optional(z.array(z.string())),
  instanceIds: z.optional(z.array(z.string())),
  groupCreatedTime: z.optional(z.string()),
  /** How long the group had been running when it was deleted or looked at. */
  runningMs: z.optional(z.number().check(z.nonnegative())),
  error: z.optional(z.string()),
  /**
   * Where the group is. An event put on a bus is stamped with the account and region of the caller
   * (the hub's, for a member's group), so the cleanup says here where it acted.
   */
  account: z.optional(z.string().check(z.regex(/^\d{12}$/))),
  region: z.optional(z.string().check(z.minLength(1))),
  /** Sweep totals, with `sweep-incomplete`. */
  examined: z.optional(z.number().check(z.int(), z.nonnegative())),
  remaining: z.optional(z.number().check(z.int(), z.nonnegative())),
});

/** A cleanup event's detail; fields a later version adds pass through. */
export const cleanupDetailSchema = z.looseObject(cleanupDetailFields.shape);

export const cleanupEventSchema = z.object({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  account: z.string().check(z.minLength(1)),
  region: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  source: z.literal(SENTINEL_SOURCE),
  'detail-type': z.literal(CLEANUP_DETAIL_TYPE),
  resources: z._default(z.array(z.string()), []),
  detail: cleanupDetailSchema,
});

export type CleanupDetail = z.infer<typeof cleanupDetailSchema>;
/** The named fields of a cleanup detail, without the pass-through of unknown ones. */
export type CleanupDetailFields = z.infer<typeof cleanupDetailFields>;
export type CleanupEvent = z.infer<typeof cleanupEventSchema>;
