import { describe, expect, it } from 'vitest';
import { parseReasonData } from '../../lib/alerts/reason-data.js';

describe('parseReasonData', () => {
  it('reads a threshold alarm reasonData as CloudWatch writes it', () => {
    const result = parseReasonData(
      '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000",' +
        '"statistic":"Average","period":300,"recentDatapoints":[99.50160229693434],"threshold":50.0}',
    );
    expect(result).toEqual({
      status: 'parsed',
      data: expect.objectContaining({
        statistic: 'Average',
        period: 300,
        recentDatapoints: [99.50160229693434],
        threshold: 50,
      }),
    });
  });

  it('keeps fields it does not know about', () => {
    const result = parseReasonData('{"version":"1.0","somethingNew":{"a":1}}');
    expect(result.status === 'parsed' && result.data.somethingNew).toEqual({ a: 1 });
  });

  it.each([[undefined], [''], ['   ']])('calls %j absent', (raw) => {
    expect(parseReasonData(raw)).toEqual({ status: 'absent' });
  });

  it.each([
    ['truncated JSON', '{"version":"1.0","recentDatapoints":[99.5', /not JSON/],
    ['a JSON array', '[1,2]', /expected object/],
    ['a JSON string', '"ALARM"', /expected object/],
    ['datapoints that are not numbers', '{"recentDatapoints":["high"]}', /recentDatapoints\.0/],
    [
      'a triggering alarm without ARN',
      '{"triggeringAlarms":[{"state":{"value":"ALARM"}}]}',
      /triggeringAlarms\.0\.arn/,
    ],
  ])('calls %s malformed and says why', (_name, raw, problem) => {
    const result = parseReasonData(raw);
    expect(result.status).toBe('malformed');
    expect(result.status === 'malformed' && result.problem).toMatch(problem);
  });
});
