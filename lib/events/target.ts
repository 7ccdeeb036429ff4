import type { Target } from '../aws/accounts.js';
import { SENTINEL_SOURCE } from './sentinel.js';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const field = (value: unknown, shape: RegExp): string | undefined =>
  typeof value === 'string' && shape.test(value) ? value : undefined;

/**
 * The account and region an event is about, where its AWS calls must go (pure): the envelope's, or,
 * for the cleanup's own events, the detail's (the envelope names the hub that published them). An
 * event that names neither is taken as the function's own account and region.
 */
export const targetOfEvent = (raw: unknown, home: Target): Target => {
  if (!raw || typeof raw !== 'object') return home;
  const event = raw as Record<string, unknown>;
  const detail = (event.detail && typeof event.detail === 'object' ? event.detail : {}) as Record<string, unknown>;
  const own = event.source === SENTINEL_SOURCE;
  const account = (own ? field(detail.account, ACCOUNT) : undefined) ?? field(event.account, ACCOUNT);
  const region = (own ? field(detail.region, REGION) : undefined) ?? field(event.region, REGION);
  return account && region ? { account, region } : home;
};
