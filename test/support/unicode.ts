/** A UTF-16 surrogate without its partner: what cutting a character in half leaves behind. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where a text holds a lone surrogate (`\ud83d at 149 of 150`); undefined when it holds none. */
export const loneSurrogateIn = (text: string): string | undefined => {
  const at = LONE_SURROGATE.exec(text)?.index;
  return at === undefined ? undefined : `\\u${text.charCodeAt(at).toString(16)} at ${at} of ${text.length}`;
};

/** Every string (keys included) anywhere in a value that holds a lone surrogate, described short. */
export const loneSurrogatesIn = (value: unknown): string[] => {
  if (typeof value === 'string') return [loneSurrogateIn(value)].filter((s): s is string => s !== undefined);
  if (Array.isArray(value)) return value.flatMap(loneSurrogatesIn);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, v]) => [...loneSurrogatesIn(key), ...loneSurrogatesIn(v)]);
  return [];
};
