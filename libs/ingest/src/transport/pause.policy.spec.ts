import { PausePolicy, type LaneState } from './pause.policy';

const CAP = 1000;
const lanes = (states: Record<number, LaneState>) => (partition: number): LaneState | undefined => states[partition];
const idle: LaneState = { retrying: false, awaitingReplay: false };

describe('PausePolicy', () => {
  it('pauses only a partition whose block is being retried while the buffers have room', () => {
    const policy = new PausePolicy(CAP);
    expect(policy.wanted([0, 1, 2], 10, lanes({ 0: idle, 1: { retrying: true, awaitingReplay: false }, 2: idle }))).toEqual(new Set([1]));
  });

  it('pauses every partition once the buffers reach the cap, except one still gathering its replay range', () => {
    const policy = new PausePolicy(CAP);
    expect(policy.wanted([0, 1, 2], CAP, lanes({ 0: idle, 1: { retrying: false, awaitingReplay: true } }))).toEqual(new Set([0, 2]));
  });

  it('keeps them paused until the buffers fall below three quarters of the cap', () => {
    const policy = new PausePolicy(CAP);
    policy.wanted([0], CAP, lanes({ 0: idle }));
    expect(policy.wanted([0], 0.75 * CAP, lanes({ 0: idle }))).toEqual(new Set([0]));
    expect(policy.wanted([0], 0.75 * CAP - 1, lanes({ 0: idle }))).toEqual(new Set());
    expect(policy.wanted([0], 0.9 * CAP, lanes({ 0: idle }))).toEqual(new Set());
  });

  it('forgets a full buffer when a new generation starts with empty buffers', () => {
    const policy = new PausePolicy(CAP);
    policy.wanted([0], CAP, lanes({ 0: idle }));
    policy.reset();
    expect(policy.wanted([0], 0.9 * CAP, lanes({ 0: idle }))).toEqual(new Set());
  });
});
