import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { chooseBranches, conditionHolds } = require('../../serverless/invoke-local.cjs') as {
  conditionHolds: (condition: unknown, conditions: Record<string, unknown>) => boolean | undefined;
  chooseBranches: (
    environment: Record<string, unknown>,
    conditions: Record<string, unknown>,
  ) => Record<string, unknown>;
};

/** serverless.yml's condition, as osls hands it over once the stage's parameters are resolved. */
const createStateStream = (existingStreamName: string, streamEnabled: string) => ({
  'Fn::And': [{ 'Fn::Equals': [existingStreamName, ''] }, { 'Fn::Equals': [streamEnabled, 'true'] }],
});
const STREAM_ENV = { 'Fn::If': ['CreateStateStream', { Ref: 'StateStream' }, 'history'] };

describe('the environment of `serverless invoke local`', () => {
  it("takes the Fn::If branch the stage's parameters choose", () => {
    const created = { CreateStateStream: createStateStream('', 'true') };
    const existing = { CreateStateStream: createStateStream('history', 'true') };
    expect(chooseBranches({ STATE_STREAM_NAME: STREAM_ENV, STAGE: 'local' }, created)).toEqual({
      STATE_STREAM_NAME: { Ref: 'StateStream' },
      STAGE: 'local',
    });
    expect(chooseBranches({ STATE_STREAM_NAME: STREAM_ENV }, existing)).toEqual({ STATE_STREAM_NAME: 'history' });
  });

  it('leaves an Fn::If alone when its condition depends on more than parameters', () => {
    const conditions = { CreateStateStream: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } };
    expect(chooseBranches({ STATE_STREAM_NAME: STREAM_ENV }, conditions)).toEqual({ STATE_STREAM_NAME: STREAM_ENV });
    expect(chooseBranches({ STATE_STREAM_NAME: STREAM_ENV }, {})).toEqual({ STATE_STREAM_NAME: STREAM_ENV });
  });

  it('evaluates Equals, And, Or, Not and named conditions, and refuses a condition that names itself', () => {
    const conditions = {
      On: { 'Fn::Equals': ['true', 'true'] },
      Off: { 'Fn::Not': [{ Condition: 'On' }] },
      Loop: { Condition: 'Loop' },
    };
    expect(conditionHolds({ 'Fn::Or': [{ Condition: 'Off' }, { Condition: 'On' }] }, conditions)).toBe(true);
    expect(conditionHolds({ 'Fn::And': [{ Condition: 'Off' }, { Condition: 'On' }] }, conditions)).toBe(false);
    expect(conditionHolds({ 'Fn::Equals': [3, '3'] }, conditions)).toBe(true);
    expect(conditionHolds({ Condition: 'Loop' }, conditions)).toBeUndefined();
    expect(conditionHolds({ 'Fn::Or': [{ Condition: 'On' }, { Condition: 'Missing' }] }, conditions)).toBeUndefined();
  });
});
