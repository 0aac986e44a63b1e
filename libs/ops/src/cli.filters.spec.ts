import { AUDIT_EVENT_FILTERS } from '@audit/clickhouse';
import { applyFilters, FILTER_OPTIONS } from './cli.filters';

/** `resourceType` → `resource-type`: a flag is its parameter in kebab case. */
const flagOf = (parameter: string) => parameter.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

describe('the filter flags of export and tail', () => {
  it.each(AUDIT_EVENT_FILTERS.map((filter) => [flagOf(filter.parameter), filter.parameter]))('--%s reaches the API as %s', (flag, parameter) => {
    const url = new URL('http://api.test/v1/audit-logs/export');
    const option = FILTER_OPTIONS[flag as keyof typeof FILTER_OPTIONS];
    expect(option).toBeDefined();
    const values = 'multiple' in option ? ['Patient', 'Member'] : ['203.0.113.7'];
    applyFilters(url, { [flag]: 'multiple' in option ? values : values[0] });
    expect(url.searchParams.getAll(parameter)).toEqual(values);
    expect([...url.searchParams.keys()]).toEqual(values.map(() => parameter));
  });
});
