import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Metafile, build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleOptions, handlerMetafile } from '../../tools/bench/bundles.js';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const HANDLERS = readdirSync(join(ROOT, 'functions')).filter((f) => f.endsWith('.ts'));

/** Every source file each Lambda bundle carries, as esbuild reports it, by handler file. */
const inputs = new Map<string, string[]>();
/** The same, by output file (a handler and the bundles it loads lazily). */
const outputs = new Map<string, string[]>();

beforeAll(async () => {
  for (const file of HANDLERS) {
    const metafile: Metafile = await handlerMetafile(ROOT, 'local', `functions/${file.replace(/\.ts$/, '.cjs')}`);
    inputs.set(
      file,
      Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs)),
    );
    for (const [output, { inputs: carried }] of Object.entries(metafile.outputs)) {
      outputs.set(output.split(/[\\/]/).pop()!, Object.keys(carried));
    }
  }
}, 120_000);

describe('what a Lambda bundle carries', () => {
  it.each(HANDLERS)('%s resolves credentials from the environment only, without the SDK default chain', (file) => {
    const chain = inputs
      .get(file)!
      .filter((i) => /@aws-sdk[\\/]credential-provider-(node|ini|sso|process|web-identity|http)[\\/]/.test(i));
    expect(chain).toEqual([]);
  });

  it("keeps the EC2 client out of the cleanup's handler: a bundle of its own, loaded for existing-instance deployments", () => {
    const ec2 = (file: string) => outputs.get(file)!.filter((i) => i.includes('client-ec2'));
    expect(ec2('clean-up-orphans.cjs')).toEqual([]);
    expect(ec2('clean-up-orphans.ec2.cjs')).not.toEqual([]);
  });

  it.each(['notify-deployment', 'notify-alarm'])(
    "%s keeps Slack's Web API client and the STS client out of its cold start: bundles of their own",
    (handler) => {
      const carrying = (file: string, pattern: RegExp) => outputs.get(file)!.filter((i) => pattern.test(i));
      expect(carrying(`${handler}.cjs`, /[\\/]@slack[\\/]web-api[\\/]|[\\/]client-sts[\\/]/)).toEqual([]);
      expect(carrying(`${handler}.slack-web-api.cjs`, /[\\/]@slack[\\/]web-api[\\/]/)).not.toEqual([]);
      expect(carrying(`${handler}.sts.cjs`, /[\\/]client-sts[\\/]/)).not.toEqual([]);
    },
  );

  it("gives no lazily loaded bundle its own copy of the handler's logger or metrics", () => {
    const lazy = [...outputs.keys()].filter((file) => file.split('.').length > 2);
    expect(lazy.length).toBeGreaterThanOrEqual(5);
    for (const file of lazy) {
      expect(outputs.get(file)!.filter((i) => /lib[\\/](log|metrics)\.ts$/.test(i))).toEqual([]);
    }
  });

  it.each(HANDLERS)(
    "%s leaves out the SDK's event-stream protocol support, which no operation it sends uses",
    (file) => {
      const carried = inputs.get(file)!;
      expect(carried.filter((i) => /[\\/]event-streams[\\/]EventStreamSerde\.js$/.test(i))).toEqual([]);
      expect(carried).toContain('no-event-streams:event-streams');
    },
  );

  it('answers an event-stream operation, were one ever sent, with an error that says why', async () => {
    const options = bundleOptions(ROOT, 'local');
    const result = await build({
      ...options,
      stdin: {
        contents:
          "export const load = () => import('@smithy/core/event-streams').then((m) => m.eventStreamSerdeProvider({}));",
        resolveDir: ROOT,
      },
      outdir: undefined,
      outExtension: undefined,
      write: false,
      logLevel: 'silent',
      plugins: options.plugins!.filter((plugin) => plugin.name === 'no-event-streams'),
    });
    const module = { exports: {} as { load?: () => Promise<unknown> } };
    new Function('module', 'exports', 'require', result.outputFiles[0]!.text)(module, module.exports, require);
    await expect(module.exports.load!()).rejects.toThrow(/event streams are not bundled/);
  });

  it.each(HANDLERS.filter((f) => f !== 'clean-up-orphans.ts'))('%s carries no EC2 client', (file) => {
    expect(inputs.get(file)!.filter((i) => i.includes('client-ec2'))).toEqual([]);
  });

  it.each(HANDLERS)("%s carries Zod's English messages, and no other language's", (file) => {
    const locales = inputs.get(file)!.filter((i) => /[\\/]zod[\\/](.+[\\/])?locales[\\/]/.test(i));
    expect([...new Set(locales.map((i) => i.split(/[\\/]/).pop()))]).toEqual(['en.js']);
  });

  it.each(HANDLERS.filter((f) => f !== 'hook.ts'))(
    "%s carries nothing of the hooks' checks (their schema, the RE2 engine of their patterns)",
    (file) => {
      expect(inputs.get(file)!.filter((i) => /lib[\\/]hooks[\\/]|[\\/]re2js[\\/]/.test(i))).toEqual([]);
    },
  );
});
