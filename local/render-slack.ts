/**
 * Renders a Slack message as terminal text: what a person would read in the channel, with links as
 * `text <url>`, so `npm start` shows each alert readably.
 */

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const links = (s: string) =>
  s.replace(/<(https?:[^|>]+)\|([^>]+)>/g, (_m, url: string, text: string) => `${text} ‹${url}›`);
const mrkdwn = (s: string) => unescape(links(s));

const BAR: Record<string, string> = { '#E01E5A': '🟥', '#ECB22E': '🟨', '#1D9BD1': '🟦', '#2EB67D': '🟩' };

const renderBlock = (block: any): string[] => {
  switch (block.type) {
    case 'header':
      return [`\x1b[1m${block.text.text}\x1b[0m`];
    case 'section': {
      const out: string[] = [];
      if (block.text) out.push(...mrkdwn(block.text.text).split('\n'));
      for (const f of block.fields ?? []) out.push(...mrkdwn(f.text).replace('\n', ': ').split('\n'));
      return out;
    }
    case 'context':
      return [`\x1b[2m${block.elements.map((e: any) => mrkdwn(e.text ?? '')).join('  ')}\x1b[0m`];
    case 'actions':
      return [block.elements.map((e: any) => `[${e.text.text}]`).join(' ')];
    case 'divider':
      return ['────'];
    default:
      return [`(${block.type} block)`];
  }
};

export const renderSlackMessage = (body: any, width = 110): string => {
  const attachment = body?.attachments?.[0];
  const blocks: any[] = attachment?.blocks ?? body?.blocks ?? [];
  const bar = BAR[attachment?.color] ?? '⬜';
  const lines = blocks.length ? blocks.flatMap(renderBlock) : [mrkdwn(String(body?.text ?? ''))];
  return lines
    .flatMap((line) => {
      const out: string[] = [];
      for (let rest = line; rest.length > 0; rest = rest.slice(width)) out.push(rest.slice(0, width));
      return out.length ? out : [''];
    })
    .map((line) => `  ${bar} ${line}`)
    .join('\n');
};
