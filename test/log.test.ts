import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/log.js';

describe('logger', () => {
  it('writes one JSON object per line with the fields given', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l), base: { fn: 'x' } }).info('alert posted', { route: 'default' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'info',
      message: 'alert posted',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      service: 'deploy-sentinel',
      fn: 'x',
      route: 'default',
    });
  });

  it('never writes a Slack webhook URL, in a message, a field or an error', () => {
    const lines: string[] = [];
    // Assembled at run time: no string in the repository looks like a real webhook URL.
    const url = ['https://hooks.slack.com/services', 'T0123ABCD', 'B0123ABCD', 'fake'.repeat(6)].join('/');
    const logger = createLogger({ write: (l) => lines.push(l) });
    logger.error(`posting to ${url} failed`, {
      url,
      error: new Error(`fetch ${url} failed`, { cause: new Error(url) }),
    });
    expect(lines.join('\n')).not.toContain('T0123ABCD/B0123ABCD');
    expect(lines.join('\n')).toContain('https://hooks.slack.com/***');
  });

  it('never writes a Slack token, in a message, a field, an error or the base fields', () => {
    const lines: string[] = [];
    // Assembled at run time, like the webhook above: no string in the repository looks like a token.
    const token = ['xoxb', '1234567890', '0987654321', 'fake'.repeat(6)].join('-');
    const logger = createLogger({ write: (l) => lines.push(l), base: { header: `Bearer ${token}` } });
    logger.warn(`auth with ${token} failed`, { token, error: new Error('x', { cause: new Error(`token=${token}`) }) });
    logger.info('refresh token', { refresh: token.replace('xoxb', 'xoxe') });
    expect(lines.join('\n')).not.toMatch(/1234567890|fakefake/);
    expect(lines.join('\n')).toContain('xoxb-***');
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l), level: 'warn' });
    logger.info('chatty');
    logger.warn('kept');
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['kept']);
  });
});
