'use strict';
/**
 * Bundling options for serverless-esbuild. Each function is bundled on its own with only the
 * clients it imports; CommonJS output so `serverless invoke local` can load it (FACTS.md); the
 * AWS SDK is bundled (faster cold starts than the runtime's copy). The stage's validated settings
 * are compiled in, so functions read no settings file at run time.
 */
const { loadSentinelModules } = require('./serverless/load-ts.cjs');

module.exports = (serverless) => {
  const stage = serverless.service.provider.stage;
  const { raw } = loadSentinelModules().loadSettingsFile(stage, serverless.serviceDir);
  return {
    bundle: true,
    minify: true,
    // Error names in logs and Lambda's errorType stay readable.
    keepNames: true,
    sourcemap: false,
    format: 'cjs',
    outputFileExtension: '.cjs',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    exclude: [],
    packager: 'npm',
    define: { __DEPLOY_SENTINEL_SETTINGS__: JSON.stringify(raw) },
  };
};
