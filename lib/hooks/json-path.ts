/**
 * A safe subset of JSONPath: `$`, `.name`, `['name']`, `["name"]` and `[index]`, nothing else.
 * Paths come from a settings file and are parsed, never evaluated as code.
 */

export type PathStep = string | number;

/** Raised when a path uses anything outside the supported subset. */
export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/** Parses `$.items[0].ok` into `['items', 0, 'ok']`; throws JsonPathError on anything else. */
export const parseJsonPath = (path: string): PathStep[] => {
  if (!path.startsWith('$')) throw new JsonPathError(`"${path}" must start with "$"`);
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const match = NAME.exec(rest.slice(1));
      if (!match) throw new JsonPathError(`"${path}": expected a property name after "." at "${rest}"`);
      steps.push(match[0]);
      rest = rest.slice(1 + match[0].length);
      continue;
    }
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      steps.push(Number(index[1]));
      rest = rest.slice(index[0].length);
      continue;
    }
    const quoted = /^\[(?:'([^'\\]*)'|"([^"\\]*)")\]/.exec(rest);
    if (quoted) {
      steps.push(quoted[1] ?? quoted[2] ?? '');
      rest = rest.slice(quoted[0].length);
      continue;
    }
    throw new JsonPathError(`"${path}": unsupported syntax at "${rest}" (supported: $.name, $['name'], $.list[0])`);
  }
  return steps;
};

/** The value at a parsed path, or `{ found: false }` when any step is missing. */
export const valueAt = (document: unknown, steps: PathStep[]): { found: true; value: unknown } | { found: false } => {
  let current: unknown = document;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return { found: false };
      current = current[step];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return { found: false };
      if (!Object.prototype.hasOwnProperty.call(current, step)) return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
};
