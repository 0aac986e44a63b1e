import type { ClickHouseClient } from '@clickhouse/client';
import { EngineGate, gatedClient } from './engine.gate';

/** Work that finishes when the test says so. */
function pending() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { done, finish };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('EngineGate', () => {
  it('should run at most its number of calls at once and the next ones in the order they came', async () => {
    const gate = new EngineGate(2);
    const started: string[] = [];
    const works = ['a', 'b', 'c', 'd'].map((name) => ({ name, ...pending() }));
    const runs = works.map((work) => gate.run(async () => (started.push(work.name), work.done)));
    await tick();
    expect(started).toEqual(['a', 'b']);

    works[1].finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    works[0].finish();
    works[2].finish();
    works[3].finish();
    await Promise.all(runs);
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('should let a waiting call whose client left leave the line without running', async () => {
    const gate = new EngineGate(1);
    const first = pending();
    const running = gate.run(() => first.done);
    const leaving = new AbortController();
    let ran = false;
    const waiting = gate.run(async () => void (ran = true), leaving.signal);

    leaving.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    first.finish();
    await running;
    await gate.run(async () => undefined);
    expect(ran).toBe(false);
  });

  it("should put a client's query and exec through the gate and leave its other methods alone", async () => {
    const gate = new EngineGate(1);
    const calls: string[] = [];
    const blocker = pending();
    const client = {
      query: async () => (calls.push('query'), 'rows'),
      exec: async () => (calls.push('exec'), 'stream'),
      close: async function (this: unknown) {
        calls.push(this === client ? 'close on the client' : 'close elsewhere');
      },
    };
    const gated = gatedClient(client as unknown as ClickHouseClient, gate);
    const holding = gate.run(() => blocker.done);
    const query = gated.query({ query: 'SELECT 1' });
    const exec = gated.exec({ query: 'SELECT 2' });
    await gated.close();
    await tick();
    expect(calls).toEqual(['close on the client']);

    blocker.finish();
    await Promise.all([holding, query, exec]);
    expect(calls).toEqual(['close on the client', 'query', 'exec']);
  });
});
