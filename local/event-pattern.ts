/**
 * EventBridge event pattern matching, for the subset the packaged template uses and a few common
 * operators (prefix, anything-but, exists, numeric equality), so the local run routes each sample
 * event exactly as the rules in the template would.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */

type Pattern = Record<string, unknown>;

const matchValue = (rule: unknown, value: unknown): boolean => {
  if (rule === null || typeof rule !== 'object') return rule === value;
  const r = rule as Record<string, unknown>;
  if ('prefix' in r) return typeof value === 'string' && value.startsWith(String(r.prefix));
  if ('suffix' in r) return typeof value === 'string' && value.endsWith(String(r.suffix));
  if ('exists' in r) return (value !== undefined) === Boolean(r.exists);
  if ('anything-but' in r) {
    const but = r['anything-but'];
    const list = Array.isArray(but) ? but : [but];
    return value !== undefined && !list.some((b) => matchValue(b, value));
  }
  if ('equals-ignore-case' in r)
    return typeof value === 'string' && value.toLowerCase() === String(r['equals-ignore-case']).toLowerCase();
  return false;
};

const matchField = (rules: unknown, value: unknown): boolean => {
  if (Array.isArray(rules)) {
    const values = Array.isArray(value) ? value : [value];
    return rules.some((rule) =>
      rule !== null && typeof rule === 'object' && 'exists' in (rule as object)
        ? matchValue(rule, value)
        : values.some((v) => matchValue(rule, v)),
    );
  }
  if (rules && typeof rules === 'object') {
    if (!value || typeof value !== 'object') return false;
    return matchesPattern(rules as Pattern, value as Record<string, unknown>);
  }
  return false;
};

export const matchesPattern = (pattern: Pattern, event: Record<string, unknown>): boolean =>
  Object.entries(pattern).every(([key, rules]) => {
    if (key === '$or' && Array.isArray(rules)) return rules.some((p) => matchesPattern(p as Pattern, event));
    return matchField(rules, event[key]);
  });
