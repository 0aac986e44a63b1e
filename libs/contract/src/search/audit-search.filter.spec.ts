import { parseAuditSearch } from './audit-search.parser';
import { toSearchFilter } from './audit-search.filter';

const filterOf = (text: string) => toSearchFilter(parseAuditSearch(text));

describe('toSearchFilter', () => {
  it('groups repeated keys into alternatives and exclusions, in the order keys first appear', () => {
    expect(filterOf('action:create -actor:bot* action:role.* ip:10.0.0.0/8 -ip:10.0.0.1').clauses).toEqual([
      { key: 'action', include: [['create'], ['role.', '']], exclude: [] },
      { key: 'actor', include: [], exclude: [['bot', '']] },
      { key: 'ip', include: ['10.0.0.0/8'], exclude: ['10.0.0.1'] },
    ]);
  });

  it('turns a date into its whole UTC day and a time into that millisecond', () => {
    expect(filterOf('created:2026-09-01')).toMatchObject({ from: Date.UTC(2026, 8, 1), to: Date.UTC(2026, 8, 2) });
    expect(filterOf('created:<=2026-09-01T10:00:00Z')).toMatchObject({ to: Date.UTC(2026, 8, 1, 10) + 1 });
    expect(filterOf('created:>2026-09-01')).toMatchObject({ from: Date.UTC(2026, 8, 2) });
    expect(filterOf('created:2026-09-01..2026-09-30')).toMatchObject({ from: Date.UTC(2026, 8, 1), to: Date.UTC(2026, 9, 1) });
  });

  it('reads a time without a zone as UTC', () => {
    expect(filterOf('created:>=2026-09-01T10:00').from).toBe(Date.UTC(2026, 8, 1, 10));
  });

  it('intersects several created terms', () => {
    expect(filterOf('created:>=2026-01-01 created:>=2026-03-01 created:<2026-06-01 created:<2026-05-01')).toEqual({
      clauses: [],
      from: Date.UTC(2026, 2, 1),
      to: Date.UTC(2026, 4, 1),
    });
  });
});
