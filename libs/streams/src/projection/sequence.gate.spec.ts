import { SequenceGate } from './sequence.gate';

describe('SequenceGate', () => {
  it('should take a first record whole and then only what follows what was passed', () => {
    const gate = new SequenceGate();
    expect(gate.admit('org_a', 5, 9)).toEqual({ from: 5, duplicates: 0, gap: 0 });
    gate.pass('org_a', 9);
    expect(gate.admit('org_a', 10, 12)).toEqual({ from: 10, duplicates: 0, gap: 0 });
  });

  it('should drop a republished record whole, and the overlap of one that straddles what was passed', () => {
    const gate = new SequenceGate();
    gate.pass('org_a', 9);
    expect(gate.admit('org_a', 5, 9)).toEqual({ from: 10, duplicates: 5, gap: 0 });
    expect(gate.admit('org_a', 8, 12)).toEqual({ from: 10, duplicates: 2, gap: 0 });
  });

  it('should report a gap between what was passed and a later record', () => {
    const gate = new SequenceGate();
    gate.pass('org_a', 9);
    expect(gate.admit('org_a', 13, 15)).toEqual({ from: 13, duplicates: 0, gap: 3 });
  });

  it('should keep organizations apart and never move backwards', () => {
    const gate = new SequenceGate();
    gate.pass('org_a', 9);
    gate.pass('org_a', 4);
    expect(gate.admit('org_b', 1, 2)).toEqual({ from: 1, duplicates: 0, gap: 0 });
    expect(gate.admit('org_a', 1, 9).from).toBe(10);
  });

  it('should forget the oldest organization past its capacity (a copy may follow, never a gap)', () => {
    const gate = new SequenceGate(2);
    gate.pass('org_a', 9);
    gate.pass('org_b', 9);
    gate.pass('org_c', 9);
    expect(gate.admit('org_a', 1, 9)).toEqual({ from: 1, duplicates: 0, gap: 0 });
    expect(gate.admit('org_c', 1, 9).from).toBe(10);
  });
});
