import { validateAuditEvent } from '@audit/contract';
import { DEMO_PEOPLE, demoEvent } from './demo-events';

describe('demoEvent', () => {
  const at = new Date('2026-11-20T10:00:00.000Z');
  const events = Array.from({ length: 60 }, (_, n) => demoEvent('org_demo', n, at));

  it('should produce only events the v1 contract accepts', () => {
    for (const event of events) expect(validateAuditEvent(event, at.getTime())).toEqual({ ok: true, event });
  });

  it('should cover several resource types, actions, users and both outcomes, with failures explained', () => {
    expect(new Set(events.map((event) => event.resource.type))).toEqual(new Set(['Member', 'Session', 'Patient', 'Organization']));
    expect(new Set(events.map((event) => event.action)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(events.map((event) => event.actor.email))).toEqual(new Set(DEMO_PEOPLE.map((person) => person.email)));
    const failures = events.filter((event) => event.status === 'failure');
    expect(failures).toHaveLength(6);
    expect(failures.every((event) => event.reason)).toBe(true);
  });

  it('should give event n the same content every time, apart from its id', () => {
    const { id: _first, ...again } = demoEvent('org_demo', 13, at);
    const { id: _second, ...original } = events[13];
    expect(again).toEqual(original);
  });
});
