import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MessageAttachment,
  SectionBlock,
} from '@slack/types';
import { clipEnd, clipStart } from '../text.js';

/**
 * Block Kit building blocks that keep every piece inside Slack's limits, so a message is trimmed,
 * never rejected (https://docs.slack.dev/reference/block-kit/blocks).
 */

/**
 * Slack states these limits in characters. Texts are measured here in UTF-16 code units
 * (`string.length`), which are never fewer than the characters, so a text within a limit here is
 * within Slack's whatever way Slack counts.
 */
export const LIMITS = {
  blocks: 50,
  sectionText: 3_000,
  fields: 10,
  fieldText: 2_000,
  header: 150,
  buttonText: 75,
  buttons: 25,
  contextElements: 10,
  url: 3_000,
  /** Slack's practical ceiling is ~12,000 characters per message; stay well under it. */
  message: 11_000,
} as const;

export const SEVERITIES = ['critical', 'warning', 'info', 'success'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Blocks have no colour; a legacy attachment holding the blocks gives the severity bar. */
export const COLOUR: Record<Severity, string> = {
  critical: '#E01E5A',
  warning: '#ECB22E',
  info: '#1D9BD1',
  success: '#2EB67D',
};

export interface SlackMessage {
  /** The notification fallback, shown in notifications and by clients that cannot render blocks. */
  text: string;
  blocks?: KnownBlock[];
  attachments?: MessageAttachment[];
}

/** Slack's mrkdwn treats these three as control characters; text from outside must not. */
export const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A mrkdwn link. Its URL is escaped too: an IAM Identity Center shortcut or a thread reply's
 * permalink carries `&`, one of the three characters Slack reads as control characters everywhere
 * in mrkdwn text (https://docs.slack.dev/messaging/formatting-message-text#escaping-text).
 */
export const link = (url: string, text: string): string => `<${escape(url)}|${escape(text)}>`;

/** Keeps the start of a text: names, reasons. Never cuts a character in half (see lib/text.ts). */
export const trimEnd = (text: string, max: number, marker = '…'): string => clipEnd(text, max, marker);

/** Keeps the end of a text: a log tail's last lines say most about why it failed. */
export const trimStart = (text: string, max: number, marker = '…'): string => clipStart(text, max, marker);

export const header = (text: string): HeaderBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: trimEnd(text, LIMITS.header), emoji: true },
});

export const section = (mrkdwn: string): SectionBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: trimEnd(mrkdwn, LIMITS.sectionText) },
});

/** Label/value pairs as section fields; pairs without a value are left out. */
export const fields = (pairs: ReadonlyArray<readonly [string, string | undefined]>): SectionBlock | undefined => {
  const present = pairs.filter((pair): pair is readonly [string, string] => Boolean(pair[1]));
  if (present.length === 0) return undefined;
  return {
    type: 'section',
    fields: present.slice(0, LIMITS.fields).map(([label, value]) => ({
      type: 'mrkdwn',
      text: trimEnd(`*${label}*\n${value}`, LIMITS.fieldText),
    })),
  };
};

/** A preformatted block for logs: the tail is kept, backticks cannot break out of it. */
export const codeBlock = (text: string, max: number): SectionBlock =>
  section(`\`\`\`${trimStart(escape(text).replace(/```/g, "'''"), Math.min(max, LIMITS.sectionText - 6))}\`\`\``);

export const context = (parts: ReadonlyArray<string | undefined>): ContextBlock | undefined => {
  const present = parts.filter((p): p is string => Boolean(p));
  if (present.length === 0) return undefined;
  return {
    type: 'context',
    elements: present
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn', text: trimEnd(text, LIMITS.sectionText) })),
  };
};

export const buttons = (links: ReadonlyArray<{ text: string; url: string | undefined }>): ActionsBlock | undefined => {
  const present = links.filter(
    (l): l is { text: string; url: string } => Boolean(l.url) && l.url!.length <= LIMITS.url,
  );
  if (present.length === 0) return undefined;
  return {
    type: 'actions',
    elements: present.slice(0, LIMITS.buttons).map((l, i): Button => ({
      type: 'button',
      text: { type: 'plain_text', text: trimEnd(l.text, LIMITS.buttonText), emoji: true },
      url: l.url,
      action_id: `link-${i}`,
    })),
  };
};

const sizeOf = (message: SlackMessage) => JSON.stringify(message).length;

const sectionTextLength = (block: KnownBlock) => (block.type === 'section' && block.text ? block.text.text.length : 0);

/**
 * Fits a message inside Slack's limits: at most 50 blocks and the whole payload under the size
 * ceiling. The longest section is shortened first (log tails and reasons give way before
 * structure); if that is not enough, trailing detail blocks give way, keeping the header and the
 * links, and a note says what was left out.
 */
export const fitMessage = (
  message: { text: string; severity: Severity; blocks: ReadonlyArray<KnownBlock | undefined> },
  limit: number = LIMITS.message,
): SlackMessage => {
  const all = message.blocks.filter((b): b is KnownBlock => Boolean(b)).map((b) => structuredClone(b));
  // The last block (links) survives any trimming: it is how a reader gets to the full story.
  const footer = all.length > 1 ? all.pop() : undefined;
  const body = all;
  let dropped = Math.max(0, body.length - (LIMITS.blocks - 2));
  body.splice(body.length - dropped, dropped);
  const text = trimEnd(message.text, LIMITS.sectionText);
  const build = (): SlackMessage => {
    const note = dropped > 0 ? context([`_${dropped} more block(s) left out to fit Slack's limits_`]) : undefined;
    const blocks = [...body, note, footer].filter((b): b is KnownBlock => Boolean(b));
    return { text, attachments: [{ color: COLOUR[message.severity], blocks }] };
  };

  for (let guard = 0; sizeOf(build()) > limit && guard < 500; guard += 1) {
    const longest = body.reduce((best, b, i) => (sectionTextLength(b) > sectionTextLength(body[best]!) ? i : best), 0);
    const target = body[longest];
    const length = target ? sectionTextLength(target) : 0;
    if (target && length > 300 && target.type === 'section' && target.text) {
      const overflow = sizeOf(build()) - limit;
      const next = Math.max(300, length - overflow - 100);
      const original = target.text.text;
      const isCode = original.startsWith('```') && original.endsWith('```');
      target.text.text = isCode ? `\`\`\`${trimStart(original.slice(3, -3), next - 6)}\`\`\`` : trimEnd(original, next);
      continue;
    }
    // Nothing long is left: detail blocks give way from the end; the header (first) stays.
    if (body.length <= 1) break;
    body.pop();
    dropped += 1;
  }
  return build();
};

/** A text-only message: what is resent when Slack rejects the blocks (`invalid_blocks`). */
export const textOnly = (message: SlackMessage): SlackMessage => ({ text: message.text });
