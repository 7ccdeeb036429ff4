import { describe, expect, it } from 'vitest';
import { targetOfEvent } from '../../lib/events/target.js';
import { loadEvent } from '../support/fixtures.js';

const HOME = { account: '111122223333', region: 'eu-west-1' };

describe('where an event sends its AWS calls', () => {
  it("goes to the envelope's account and region", () => {
    const event = { ...loadEvent('codedeploy/deployment.failure.json'), account: '444455556666', region: 'us-west-2' };
    expect(targetOfEvent(event, HOME)).toEqual({ account: '444455556666', region: 'us-west-2' });
  });

  it("goes to the group's account and region for the cleanup's own events, whose envelope names the hub", () => {
    const event = loadEvent('deploy-sentinel/cleanup.deleted.json');
    event.detail.account = '444455556666';
    event.detail.region = 'ap-southeast-2';
    expect(targetOfEvent(event, HOME)).toEqual({ account: '444455556666', region: 'ap-southeast-2' });
  });

  it("stays in the function's own account and region for an event that names neither", () => {
    expect(targetOfEvent({ source: 'x' }, HOME)).toEqual(HOME);
    expect(targetOfEvent('not an event', HOME)).toEqual(HOME);
    expect(targetOfEvent({ account: '../etc', region: 'eu-west-1' }, HOME)).toEqual(HOME);
  });
});
