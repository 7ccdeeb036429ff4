import * as z from 'zod/mini';
import '../zod.js';

/**
 * The names of the SSM parameters that hold webhook URLs, checked when the service is packaged: a
 * name SSM can never hold, or one the notifiers may not read, would otherwise fail every alert.
 *
 * SSM's rules (PutParameter API reference, `Name`, and "Requirements and constraints for parameter
 * names" in the AWS Systems Manager User Guide,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html,
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html):
 * only a-zA-Z0-9_.- and `/`, which separates the levels of a hierarchy; a hierarchical name starts
 * with `/`; at most 15 levels; at most 1,011 characters counting the ARN before the name (the
 * 2,048 the API reference states includes 1,037 characters reserved for Systems Manager's use).
 */

/** The notifiers' IAM policy grants ssm:GetParameter on this path only. */
export const WEBHOOK_PARAMETER_PREFIX = '/deploy-sentinel/';

export const MAX_PARAMETER_LEVELS = 15;

// The longest ARN before a name: `arn:` + partition (`aws-us-gov`, the longest) + `:ssm:` + a
// region name (up to 20 characters allowed for) + `:` + a 12-digit account + `:parameter`.
const LONGEST_ARN_BEFORE_NAME = 'arn:'.length + 10 + ':ssm:'.length + 20 + ':'.length + 12 + ':parameter'.length;
/** The longest name that fits SSM's 1,011 characters in any partition and region. */
export const MAX_PARAMETER_NAME_LENGTH = 1_011 - LONGEST_ARN_BEFORE_NAME;

/** What is wrong with a webhook parameter name; [] when SSM can hold it and the notifiers may read it. */
export const webhookParameterProblems = (name: string): string[] => {
  const problems: string[] = [];
  if (!name.startsWith(WEBHOOK_PARAMETER_PREFIX))
    problems.push(
      `must be an SSM parameter name under ${WEBHOOK_PARAMETER_PREFIX} (the notifiers may read only those)`,
    );
  if (!/^[A-Za-z0-9_.\-/]*$/.test(name))
    problems.push('may contain only letters, digits, _ . - and / (SSM parameter name rules)');
  if (name.includes('//')) problems.push('has an empty level (//), which SSM does not allow');
  if (name.endsWith('/')) problems.push('ends with /: name the parameter itself, not a path');
  const levels = name.split('/').length - 1;
  if (levels > MAX_PARAMETER_LEVELS) problems.push(`has ${levels} levels; SSM allows at most ${MAX_PARAMETER_LEVELS}`);
  if (name.length > MAX_PARAMETER_NAME_LENGTH)
    problems.push(
      `is ${name.length} characters; SSM allows 1,011 with the ARN before the name, at most ${MAX_PARAMETER_NAME_LENGTH} for the name`,
    );
  return problems;
};

/** A webhook parameter name in settings, every problem reported at its path. */
export const webhookParameterSchema = z.string().check(
  z.superRefine((name, ctx) => {
    for (const message of webhookParameterProblems(name)) ctx.addIssue({ code: 'custom', message });
  }),
);
