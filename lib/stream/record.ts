import { createHash } from 'node:crypto';
import type { DeploymentDetails } from '../codedeploy/deployment.js';
import type { ClassifiedEvent } from '../events/classify.js';
import type { CleanupDetailFields } from '../events/sentinel.js';
import { fitPartitionKey, fitRecord, MAX_RECORD_BYTES, truncateUtf8 } from './size.js';

/**
 * The record streamed to Kinesis for every state change: one flat JSON object per event, documented
 * in schema/state-record.v1.json. A field the event did not carry is absent, never invented.
 */

/** Raised only for changes a version-1 consumer would misread (a removal or a change of meaning). */
export const STATE_RECORD_SCHEMA_VERSION = 1 as const;

/** What the event was; `unknown` keeps an unrecognised event in the history. */
export const RECORD_KINDS = ['deployment', 'instance', 'alarm', 'cleanup', 'unknown'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** What GetDeployment said about the deployment when the record was written. */
export interface RecordEnrichment {
  status?: string;
  deploymentType?: string;
  computePlatform?: string;
  errorCode?: string;
  errorMessage?: string;
  creator?: string;
  /** The deployment this one rolls back. */
  rollsBack?: string;
  /** The deployment that rolled this one back. */
  rolledBackBy?: string;
  createTime?: string;
  completeTime?: string;
  /** completeTime - createTime, when both are known. */
  durationMs?: number;
  /** When the deployment's revision was registered (GetApplicationRevision `registerTime`). */
  revisionRegisteredAt?: string;
  /** SUCCESS only: from revisionRegisteredAt to completeTime (else the event time); never negative. */
  leadTimeMs?: number;
}

/**
 * What the cleanup reported (its detail, lib/events/sentinel.ts): the action itself is the record's
 * `state`, and the deployment it concerns is named at the top of the record.
 */
export type RecordCleanup = Omit<
  CleanupDetailFields,
  'action' | 'application' | 'deploymentGroup' | 'deploymentId' | 'account' | 'region'
>;

/** One Kinesis record, schema version 1. */
export interface StateRecord {
  schemaVersion: typeof STATE_RECORD_SCHEMA_VERSION;
  /** EventBridge event id: consumers deduplicate on it. */
  eventId: string;
  /** EventBridge event time (ISO 8601, UTC): consumers order on it. */
  eventTime?: string;
  /** When the record was built, when the caller said so. */
  recordedAt?: string;
  kind: RecordKind;
  source?: string;
  detailType?: string;
  account?: string;
  /** The account's name, from the settings' `accounts`. */
  accountName?: string;
  region?: string;
  application?: string;
  deploymentGroup?: string;
  deploymentId?: string;
  instanceId?: string;
  /** Deployment/instance state, alarm state value, or cleanup action. */
  state?: string;
  /** Alarms: the state before this change. */
  previousState?: string;
  alarmName?: string;
  /** Alarms: the state reason. Unknown events: why the event was not recognised. */
  reason?: string;
  cleanup?: RecordCleanup;
  enrichment?: RecordEnrichment;
  /** Unknown events: the event as received, as JSON text. */
  raw?: string;
  /** Paths of fields that were cut to keep the record within its size limit. */
  truncated?: string[];
}

/** How toStateRecord stamps and bounds the record. */
export interface StateRecordOptions {
  /** Stamped as `recordedAt`. */
  recordedAt?: Date;
  /** The whole record, serialised, is kept within this many bytes (default: what Kinesis accepts). */
  maxRecordBytes?: number;
  /** An unknown event's raw text is cut to this many bytes (default 64 KiB). */
  maxRawBytes?: number;
  /** Account id -> name (the settings' `accounts`), stamped as `accountName`. */
  accountNames?: Readonly<Record<string, string>>;
}

/** Enough to diagnose an unrecognised event without storing a huge payload. */
export const DEFAULT_MAX_RAW_BYTES = 64 * 1024;

/** ISO 8601 UTC, or undefined when the text is not a time (never a made-up time). */
const isoTime = (value: unknown): string | undefined => {
  if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};

const stringOrUndefined = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** Drops keys whose value is undefined, so that absent facts are absent in the JSON too. */
const compact = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * From the revision's registration to the deployment's success: completeTime, else the time of the
 * SUCCESS event. A negative span (clocks, or a revision registered again after it shipped) is no
 * lead time, so it is left out rather than recorded.
 */
const leadTimeOf = (registeredAt: string | undefined, succeededAt: string | undefined): number | undefined => {
  if (!registeredAt || !succeededAt) return undefined;
  const ms = Date.parse(succeededAt) - Date.parse(registeredAt);
  return ms >= 0 ? ms : undefined;
};

/** `success`, for a SUCCESS record, brings the event's time: the lead time's end when there is no completeTime. */
const toEnrichment = (
  details: DeploymentDetails,
  success?: { eventTime: string | undefined },
): RecordEnrichment | undefined => {
  const createTime = isoTime(details.createTime);
  const completeTime = isoTime(details.completeTime);
  const revisionRegisteredAt = isoTime(details.revisionRegisterTime);
  const enrichment = compact<RecordEnrichment>({
    status: details.status,
    deploymentType: details.deploymentType,
    computePlatform: details.computePlatform,
    errorCode: details.errorCode,
    errorMessage: details.errorMessage,
    creator: details.creator,
    rollsBack: details.rollsBack,
    rolledBackBy: details.rolledBackBy,
    createTime,
    completeTime,
    durationMs: createTime && completeTime ? Date.parse(completeTime) - Date.parse(createTime) : undefined,
    revisionRegisteredAt,
    leadTimeMs: success ? leadTimeOf(revisionRegisteredAt, completeTime ?? success.eventTime) : undefined,
  });
  return Object.keys(enrichment).length > 0 ? enrichment : undefined;
};

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Lambda hands us parsed JSON, so this is only reachable from code that passes odd objects.
    return String(value);
  }
};

const envelopeOf = (event: {
  id: string;
  time: string;
  account: string;
  region: string;
  source: string;
  'detail-type': string;
}) => ({
  eventId: event.id,
  eventTime: isoTime(event.time),
  account: event.account,
  region: event.region,
  source: event.source,
  detailType: event['detail-type'],
});

const unknownRecord = (
  classified: Extract<ClassifiedEvent, { kind: 'unknown' }>,
  maxRawBytes: number,
): Omit<StateRecord, 'schemaVersion'> => {
  const raw = classified.raw;
  const envelope = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const text = safeJson(raw);
  const cut = truncateUtf8(text, maxRawBytes);
  return {
    // Without an id of its own, a digest of the event keeps redelivered copies deduplicable.
    eventId: stringOrUndefined(envelope.id) ?? `sha256:${createHash('sha256').update(text).digest('hex')}`,
    eventTime: isoTime(envelope.time),
    kind: 'unknown',
    source: stringOrUndefined(envelope.source),
    detailType: stringOrUndefined(envelope['detail-type']),
    account: stringOrUndefined(envelope.account),
    region: stringOrUndefined(envelope.region),
    reason: classified.reason,
    raw: cut === text ? text : `${cut}…`,
    truncated: cut === text ? undefined : ['raw'],
  };
};

const bodyOf = (
  classified: ClassifiedEvent,
  details: DeploymentDetails | undefined,
  maxRawBytes: number,
): Omit<StateRecord, 'schemaVersion'> => {
  switch (classified.kind) {
    case 'deployment':
    case 'instance': {
      const { event } = classified;
      const detail = event.detail;
      const success =
        classified.kind === 'deployment' && detail.state === 'SUCCESS' ? { eventTime: isoTime(event.time) } : undefined;
      return {
        ...envelopeOf(event),
        kind: classified.kind,
        application: detail.application,
        deploymentGroup: detail.deploymentGroup,
        deploymentId: detail.deploymentId,
        instanceId: classified.kind === 'instance' ? classified.event.detail.instanceId : undefined,
        state: detail.state,
        // Enrichment about another deployment would be a false statement about this one.
        enrichment:
          details && details.deploymentId === detail.deploymentId ? toEnrichment(details, success) : undefined,
      };
    }
    case 'alarm': {
      const { event } = classified;
      return {
        ...envelopeOf(event),
        kind: 'alarm',
        alarmName: event.detail.alarmName,
        state: event.detail.state.value,
        previousState: event.detail.previousState?.value,
        reason: stringOrUndefined(event.detail.state.reason),
      };
    }
    case 'cleanup': {
      const { event } = classified;
      const d = event.detail;
      return {
        ...envelopeOf(event),
        kind: 'cleanup',
        application: d.application,
        deploymentGroup: d.deploymentGroup,
        deploymentId: d.deploymentId,
        state: d.action,
        cleanup: compact<RecordCleanup>({
          trigger: d.trigger,
          mode: d.mode,
          reason: d.reason,
          reasonText: d.reasonText,
          autoScalingGroupName: d.autoScalingGroupName,
          deploymentStatus: d.deploymentStatus,
          instanceCount: d.instanceCount,
          instanceTypes: d.instanceTypes,
          instanceIds: d.instanceIds,
          groupCreatedTime: isoTime(d.groupCreatedTime) ?? d.groupCreatedTime,
          runningMs: d.runningMs,
          error: d.error,
          examined: d.examined,
          remaining: d.remaining,
        }),
        enrichment: details && details.deploymentId === d.deploymentId ? toEnrichment(details) : undefined,
      };
    }
    case 'unknown':
      return unknownRecord(classified, maxRawBytes);
  }
};

/**
 * Maps a classified event (and, when GetDeployment answered, its enrichment) to the record streamed
 * to Kinesis. Pure. The result fits a Kinesis record; anything cut is named in `truncated`.
 */
export const toStateRecord = (
  classified: ClassifiedEvent,
  details?: DeploymentDetails,
  options: StateRecordOptions = {},
): StateRecord => {
  const { eventId, eventTime, ...body } = bodyOf(classified, details, options.maxRawBytes ?? DEFAULT_MAX_RAW_BYTES);
  const record = compact<StateRecord>({
    schemaVersion: STATE_RECORD_SCHEMA_VERSION,
    eventId,
    eventTime,
    recordedAt: options.recordedAt?.toISOString(),
    ...body,
    accountName: body.account ? options.accountNames?.[body.account] : undefined,
  });
  const keyBytes = Buffer.byteLength(partitionKeyOf(record), 'utf8');
  return fitRecord(record, (options.maxRecordBytes ?? MAX_RECORD_BYTES) - keyBytes);
};

/**
 * The Kinesis partition key: the deployment id, so that a deployment's records share a shard;
 * alarms by alarm name; cleanup without a deployment by its group; unknown events by event id.
 * At most 256 UTF-16 code units, as Kinesis counts them: a longer name is cut to its start, between
 * characters, the same way every time.
 */
export const partitionKeyOf = (record: StateRecord): string => {
  // Kinesis refuses an empty key, so an empty name falls through to the next candidate.
  const key =
    [
      record.deploymentId,
      record.kind === 'alarm' ? record.alarmName : undefined,
      record.kind === 'cleanup' ? record.cleanup?.autoScalingGroupName : undefined,
      record.kind === 'cleanup' ? record.deploymentGroup : undefined,
    ].find((candidate) => candidate !== undefined && candidate.length > 0) ?? record.eventId;
  return fitPartitionKey(key);
};
