'use strict';
/**
 * Packaging runs in CommonJS (serverless plugins, the esbuild config); the settings schema and the
 * hook rules are TypeScript in lib/. tsx compiles them on the fly so both sides share one source.
 */
const { require: tsxRequire } = require('tsx/cjs/api');

let cached;
const loadSentinelModules = () => {
  if (!cached) {
    cached = {
      ...tsxRequire('../lib/settings/load.ts', __filename),
      ...tsxRequire('../lib/settings/ssm-parameter.ts', __filename),
      ...tsxRequire('../lib/text.ts', __filename),
      ...tsxRequire('../lib/hooks/hooks.ts', __filename),
      ...tsxRequire('../lib/hooks/budget.ts', __filename),
      ...tsxRequire('../lib/hooks/settings.ts', __filename),
      ...tsxRequire('../lib/hooks/groups.ts', __filename),
    };
  }
  return cached;
};

/** The metrics the code emits (the dashboard shows exactly these). */
const loadMetricNames = () => tsxRequire('../lib/metric-names.ts', __filename);

module.exports = { loadSentinelModules, loadMetricNames };
