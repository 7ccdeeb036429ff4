/**
 * Cutting text without cutting a character in half.
 *
 * A JavaScript string is a sequence of UTF-16 code units; a character outside the Basic
 * Multilingual Plane (most emoji, mathematical letters) takes two of them, a surrogate pair. A cut
 * between the two leaves a lone surrogate, which is not Unicode text at all: JSON.stringify writes
 * it as `\udXXX`, and receivers may refuse the payload (Slack answers `invalid_payload`).
 *
 * Limits here are counted in UTF-16 code units (`string.length`). That is also how Kinesis counts
 * a partition key, and for limits counted in characters (Slack's) it is never more than the
 * number of characters, so a text within N units is within N characters too.
 * (https://developer.mozilla.org/en-US/docs/Web/JavaScript/Reference/Global_Objects/String#utf-16_characters_unicode_code_points_and_grapheme_clusters)
 */

const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** Whether a cut just before `index` would separate a surrogate pair. */
const splitsPair = (text: string, index: number) =>
  index > 0 &&
  index < text.length &&
  isHighSurrogate(text.charCodeAt(index - 1)) &&
  isLowSurrogate(text.charCodeAt(index));

/** The start of `text`, at most `maxUnits` UTF-16 code units long, ending on a whole character. */
export const keepStart = (text: string, maxUnits: number): string => {
  if (text.length <= maxUnits) return text;
  const end = Math.max(0, Math.floor(maxUnits));
  return text.slice(0, splitsPair(text, end) ? end - 1 : end);
};

/** The end of `text`, at most `maxUnits` UTF-16 code units long, starting on a whole character. */
export const keepEnd = (text: string, maxUnits: number): string => {
  if (text.length <= maxUnits) return text;
  const start = text.length - Math.max(0, Math.floor(maxUnits));
  return text.slice(splitsPair(text, start) ? start + 1 : start);
};

/** `text` within `maxUnits`, its end replaced by `marker` when it had to be cut (and there is room for it). */
export const clipEnd = (text: string, maxUnits: number, marker = '…'): string => {
  if (text.length <= maxUnits) return text;
  return maxUnits < marker.length ? keepStart(text, maxUnits) : `${keepStart(text, maxUnits - marker.length)}${marker}`;
};

/** `text` within `maxUnits`, its start replaced by `marker` when it had to be cut (and there is room for it). */
export const clipStart = (text: string, maxUnits: number, marker = '…'): string => {
  if (text.length <= maxUnits) return text;
  return maxUnits < marker.length ? keepEnd(text, maxUnits) : `${marker}${keepEnd(text, maxUnits - marker.length)}`;
};
