import { validateAuditEvent } from '@audit/contract';
import { generatedEvent, makeEvents } from './audit-event.generator';

describe('generatedEvent', () => {
  it('should generate only events the contract accepts, failures with their reason', () => {
    const events = Array.from({ length: 60 }, (_, index) => generatedEvent(index));

    expect(events.filter((event) => !validateAuditEvent(event).ok)).toEqual([]);
    expect(events.filter((event) => event.status === 'failure').map((event) => Boolean(event.reason))).toEqual([true, true, true]);
  });

  it('should give event n the same content every time, apart from its id and time', () => {
    const { id: _a, occurredAt: _b, ...first } = generatedEvent(7, { occurredAt: '2026-01-01T00:00:00.000Z' });
    const { id: _c, occurredAt: _d, ...again } = generatedEvent(7);

    expect(again).toEqual(first);
  });

  it('should spread events over the tenants asked for, keyed org_0, org_1…', () => {
    expect(new Set(makeEvents(30, 3).map((event) => event.organizationId))).toEqual(new Set(['org_0', 'org_1', 'org_2']));
  });
});
