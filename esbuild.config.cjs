'use strict';
/**
 * Bundling options for serverless-esbuild. Each function is bundled on its own with only the
 * clients it imports; CommonJS output so `serverless invoke local` can load it (its loader does not
 * take `.mjs` handlers: serverless/serverless#11308, still open as PR #11366); the
 * AWS SDK is bundled (faster cold starts than the runtime's copy). The stage's validated settings
 * are compiled in, so functions read no settings file at run time.
 */
const path = require('node:path');
const { loadSentinelModules } = require('./serverless/load-ts.cjs');
const { sdkSchemasTreeShakable } = require('./serverless/sdk-schemas.cjs');

/**
 * Every SDK client imports the default credential chain (`@aws-sdk/credential-provider-node`: SSO,
 * shared files, processes, web identity, with their own STS and SSO clients) for when it is given no
 * credentials. A Lambda's credentials are in its environment, and the clients are given the
 * environment's provider (lib/aws/config.ts); the chain is replaced by lib/aws/default-credentials.ts
 * so that none of it is bundled. Operator commands run unbundled and keep the whole chain.
 */
const environmentCredentialsOnly = {
  name: 'environment-credentials-only',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: require.resolve('./lib/aws/default-credentials.ts'),
    }));
  },
};

/**
 * A module a function loads with `import()` on one path only becomes a bundle of its own next to the
 * handler, `<handler>.<module>.cjs`, required when that path runs: esbuild would otherwise inline it,
 * and every cold start would parse it: the EC2 port (DISCOVER_EXISTING deployments only), Slack's Web
 * API client (app mode, on its first call) and, in the notifiers, the STS port (a hub's events from
 * member accounts only): about 11 ms off each notifier's cold start. esbuild's code splitting would
 * share the SDK's core between the bundles but is ESM only (https://esbuild.github.io/api/#splitting),
 * and `serverless invoke local` loads CommonJS handlers only; each lazy bundle carries its own copy, a
 * larger zip for a shorter start. For the same reason a lazy module must hold no state the handler
 * shares (the logger, the metrics) and throw no class of the service's that the handler tells apart
 * with `instanceof` (test/serverless/bundles.test.ts). serverless-esbuild packs a file named after
 * the handler (`<handler>.…`) in that function's zip only.
 */
const LAZY_MODULES = [
  { module: /[\\/]lib[\\/]aws[\\/]ec2\.js$/ },
  { module: /[\\/]lib[\\/]alerts[\\/]slack-web-api\.js$/ },
  // The STS client brings AWS's query (XML) protocol, about 7 ms of a notifier's start. The stream and
  // the cleanup keep it inline: the cleanup's Auto Scaling client speaks that protocol anyway, and
  // both start within their targets with a smaller zip.
  { module: /[\\/]lib[\\/]aws[\\/]sts\.js$/, handlers: /^notify-/ },
];
const lazyModulesApart = {
  name: 'lazy-modules-apart',
  setup(build) {
    const { entryPoints, outdir, write } = build.initialOptions;
    const handler = path.basename(String(entryPoints[0]), path.extname(String(entryPoints[0])));
    const apart = new Map();
    build.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const source = path.join(args.resolveDir, args.path);
      if (!LAZY_MODULES.some((lazy) => lazy.module.test(source) && (lazy.handlers?.test(handler) ?? true)))
        return undefined;
      const file = `${handler}.${path.basename(args.path, '.js')}.cjs`;
      apart.set(file, source.replace(/\.js$/, '.ts'));
      return { path: `./${file}`, external: true };
    });
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      for (const [file, source] of apart) {
        // One file named in full: the handler's output directory and extension do not apply.
        const lazy = await build.esbuild.build({
          ...build.initialOptions,
          entryPoints: [source],
          outdir: undefined,
          outExtension: undefined,
          outfile: path.join(outdir, file),
          plugins: build.initialOptions.plugins.filter((plugin) => plugin.name !== 'lazy-modules-apart'),
        });
        if (result.metafile && lazy.metafile) {
          Object.assign(result.metafile.inputs, lazy.metafile.inputs);
          Object.assign(result.metafile.outputs, lazy.metafile.outputs);
        }
        if (write === false && result.outputFiles) result.outputFiles.push(...lazy.outputFiles);
      }
    });
  },
};

/**
 * The SDK's protocols load their event-stream support with `import()` on first use, for operations
 * that stream events (Kinesis SubscribeToShard, Lambda InvokeWithResponseStream, ...). Inlined by
 * esbuild, that one `import()` wraps most of the SDK's core in lazy-init closures and carries the
 * support along: about 6 ms of every cold start. No port of this service sends such an operation,
 * so the import resolves to a module that says so if it is ever used.
 */
const NO_EVENT_STREAMS = `
const refuse = () => {
  throw new Error('event streams are not bundled: no operation deploy-sentinel sends uses them (esbuild.config.cjs)');
};
export const eventStreamSerdeProvider = refuse;
export class EventStreamSerde {
  constructor() {
    refuse();
  }
}
`;
const noEventStreams = {
  name: 'no-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: 'event-streams', namespace: 'no-event-streams' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-event-streams' }, () => ({ contents: NO_EVENT_STREAMS, loader: 'js' }));
  },
};

module.exports = (serverless) => {
  const stage = serverless.service.provider.stage;
  const { raw } = loadSentinelModules().loadSettingsFile(stage, serverless.serviceDir);
  return {
    bundle: true,
    minify: true,
    // No keepNames: it wraps every function and class of the bundle (the SDK's thousands) in a naming
    // call, about 8 ms and 5 MiB at every cold start. Error names in logs and Lambda's errorType do
    // not need it: every error class of the service sets its own name (test/code-map.test.ts), as
    // the SDK's exceptions do.
    keepNames: false,
    sourcemap: false,
    format: 'cjs',
    outputFileExtension: '.cjs',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    exclude: [],
    packager: 'npm',
    define: { __DEPLOY_SENTINEL_SETTINGS__: JSON.stringify(raw) },
    plugins: [noEventStreams, environmentCredentialsOnly, sdkSchemasTreeShakable, lazyModulesApart],
  };
};
