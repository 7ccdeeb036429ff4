import type { SlackMessage } from '../../lib/alerts/blocks.js';

/**
 * The texts a reader sees in a message's blocks, one per line, in order: headers, sections, each
 * field (`*Label*` and its value on the next line), context and button texts. Slack's escapes are
 * undone and a link `<url|label>` reads `label ‹url›`
 * (https://docs.slack.dev/messaging/formatting-message-text/), so tests can look for words.
 */
export const slackText = (message: SlackMessage): string => {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'text' && typeof inner === 'string') texts.push(inner);
      else visit(inner);
    }
  };
  visit([...(message.attachments ?? []).map((a) => a.blocks), message.blocks]);
  return texts
    .join('\n')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ‹$1›')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
};
