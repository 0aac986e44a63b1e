import { AUDIT_EVENT_FILTERS } from '@audit/clickhouse';
import { attributesOf, describe as describeRead, filterParameters, fingerprintOf, type FilterQuery } from './audit-logs.filters';

/** A request naming every filter of the list, each with a value its validation accepts. */
const EVERY_FILTER: FilterQuery = {
  resourceType: ['Patient', 'Member'],
  action: ['view'],
  actor: 'ada@example.com',
  resourceId: 'patient_7',
  actorIp: '203.0.113.7',
  status: 'failure',
};

/** The same value with one character changed (a list keeps its length). */
const other = (value: string | string[]) => (Array.isArray(value) ? [...value.slice(1), 'Session'] : `${value}x`);

describe('the filter list as the query API walks it', () => {
  it('has a request value for every filter of the list, so each test below covers them all', () => {
    expect(AUDIT_EVENT_FILTERS.map((filter) => filter.parameter).sort()).toEqual(Object.keys(EVERY_FILTER).sort());
  });

  it.each(AUDIT_EVENT_FILTERS.map((filter) => [filter.parameter, filter.field]))('passes %s to the repositories as %s', (parameter, field) => {
    const attributes = attributesOf(EVERY_FILTER) as Record<string, unknown>;
    expect(attributes[field]).toEqual(EVERY_FILTER[parameter as keyof FilterQuery]);
  });

  it('leaves out of the repositories’ filter what the request did not give', () => {
    expect(attributesOf({ actor: 'ada@example.com' })).toEqual({ actor: 'ada@example.com' });
  });

  it.each(AUDIT_EVENT_FILTERS.map((filter) => [filter.parameter]))('binds a cursor to %s: the same request with another value gets another fingerprint', (parameter) => {
    const changed = { ...EVERY_FILTER, [parameter]: other(EVERY_FILTER[parameter as keyof FilterQuery] as string | string[]) };
    const scope = { organizationId: 'org_1' };
    expect(fingerprintOf(scope, changed, {})).not.toBe(fingerprintOf(scope, EVERY_FILTER, {}));
    const { [parameter as keyof FilterQuery]: _left, ...without } = EVERY_FILTER;
    expect(fingerprintOf(scope, without, {})).not.toBe(fingerprintOf(scope, EVERY_FILTER, {}));
  });

  it('gives the same fingerprint whatever the order of a repeated parameter', () => {
    const scope = { organizationId: 'org_1' };
    expect(fingerprintOf(scope, { resourceType: ['Patient', 'Member'] }, {})).toBe(fingerprintOf(scope, { resourceType: ['Member', 'Patient'] }, {}));
  });

  it('states every given filter under its parameter name, for the export manifest', () => {
    expect(filterParameters(attributesOf(EVERY_FILTER))).toEqual(EVERY_FILTER);
  });

  it('describes every given filter under its parameter name for the read audit, a list joined with commas', () => {
    const described = describeRead({ from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', ...attributesOf(EVERY_FILTER) }, 'status:failure');
    expect(described).toEqual({
      q: 'status:failure',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
      resourceType: 'Patient,Member',
      action: 'view',
      actor: 'ada@example.com',
      resourceId: 'patient_7',
      actorIp: '203.0.113.7',
      status: 'failure',
    });
  });
});
