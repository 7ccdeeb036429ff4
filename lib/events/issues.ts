import type * as z from 'zod/mini';

/**
 * Zod's validation issues as text people read in logs, alerts and error messages: one
 * `path: message` per issue, `(root)` for the value itself.
 */
export const issueLines = (error: z.core.$ZodError, max = Number.POSITIVE_INFINITY): string[] =>
  error.issues.slice(0, max).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
