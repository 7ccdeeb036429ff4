import { NAMESPACE } from '../../lib/metric-names.js';

/** The service metrics a dashboard body shows: in search expressions and as plain series. */
export const serviceMetricsIn = (body: string): string[] => {
  const { widgets } = JSON.parse(body);
  const names = new Set<string>();
  for (const w of widgets)
    for (const m of w.properties.metrics ?? []) {
      if (Array.isArray(m) && m[0] === NAMESPACE) names.add(m[1]);
      if (!Array.isArray(m) && m.expression)
        for (const [, name] of m.expression.matchAll(/MetricName="(\w+)"/g)) names.add(name);
    }
  return [...names].sort();
};
/** The functions (logical ids) a dashboard body graphs. */
export const functionsIn = (body: string): string[] =>
  [...new Set([...body.matchAll(/"FunctionName","\$\{(\w+)\}"/g)].map((m) => m[1]!))].sort();
