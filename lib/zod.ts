import * as z from 'zod/mini';
// English from its own module: `zod/locales` is an index of every language (about 250 KiB).
import en from 'zod/v4/locales/en.js';

/**
 * Zod's settings, applied once: every module that defines schemas imports this one for its effect.
 *
 * Schemas are written with `zod/mini`, Zod's functional API: its schemas carry no methods, so a
 * bundle holds only the validators it uses (about 37 KiB against 190 KiB for the classic API) and
 * builds them faster at every cold start (https://zod.dev/packages/mini). Mini loads no locale, so
 * messages would read "Invalid input": English is loaded here, and only English is bundled.
 *
 * Zod compiles an object schema into a function with `new Function` on its first parse; `jitless`
 * turns that off and parses the same way without it. A Lambda parses its settings and configuration
 * once per cold start, where compiling costs more than it saves.
 */
z.config({ ...en(), jitless: true });

/**
 * A setting with a default, described for the JSON Schema. The description is registered on the
 * default itself, not added with `.check(z.describe(…))`: `.check()` copies the default's definition
 * and with it reads the default once, so that every parse would then share one default object
 * instead of getting a fresh copy.
 */
export const defaulted = <T extends z.ZodMiniType>(
  schema: T,
  value: z.util.NoUndefined<z.output<T>>,
  description: string,
): z.ZodMiniDefault<T> => {
  const withDefault = z._default(schema, value);
  z.globalRegistry.add(withDefault, { description });
  return withDefault;
};
