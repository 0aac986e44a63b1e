import { apiFilterParams, EMPTY_FILTERS, formatView, hasFilters, isFixedWindow, openWindow, parseView, type AuditView } from './audit-filters';

describe('the console view in the URL', () => {
  it('should read an empty query string as the first page of the default 30-day window', () => {
    expect(parseView('')).toEqual({ filters: EMPTY_FILTERS, cursor: '', page: 1 });
    expect(formatView(parseView(''))).toBe('');
  });

  it('should restore every filter, the cursor and the page number it wrote', () => {
    const view: AuditView = {
      filters: { resourceTypes: ['Member', 'Patient'], action: 'role.change', actor: 'ada@acme.test', status: 'failure', q: 'ip:10.0.0.0/8 -action:view', range: '', from: '2026-11-01T00:00:00.000Z', to: '2026-11-20T12:00:00.000Z' },
      cursor: 'opaque-cursor',
      page: 3,
    };
    expect(parseView(formatView(view))).toEqual(view);
    expect(formatView(view)).toBe(
      '?resourceType=Member&resourceType=Patient&action=role.change&actor=ada%40acme.test&status=failure&q=ip%3A10.0.0.0%2F8+-action%3Aview&from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-20T12%3A00%3A00.000Z&cursor=opaque-cursor&page=3',
    );
  });

  it('should keep a quick range relative instead of freezing its dates', () => {
    expect(formatView({ filters: { ...EMPTY_FILTERS, range: '7d' }, cursor: '', page: 1 })).toBe('?range=7d');
    expect(parseView('?range=7d&from=2026-01-01T00:00:00.000Z').filters).toMatchObject({ range: '7d', from: '', to: '' });
  });

  it('should ignore unknown statuses and ranges, and a page number without a cursor', () => {
    const view = parseView('?status=maybe&range=1y&page=4');
    expect(view.filters.status).toBe('');
    expect(view.filters.range).toBe('30d');
    expect(view.page).toBe(1);
  });

  it('should say whether any filter differs from the default view', () => {
    expect(hasFilters(EMPTY_FILTERS)).toBe(false);
    expect(hasFilters({ ...EMPTY_FILTERS, status: 'success' })).toBe(true);
  });
});

describe('the window of a view and its API parameters', () => {
  const now = Date.parse('2026-11-25T12:00:00.000Z');

  it('should open a quick range as the range up to the moment the view opens', () => {
    expect(openWindow({ ...EMPTY_FILTERS, range: '24h' }, now)).toEqual({ from: '2026-11-24T12:00:00.000Z', to: '2026-11-25T12:00:00.000Z' });
    expect(isFixedWindow({ ...EMPTY_FILTERS, range: '24h' })).toBe(false);
  });

  it('should keep explicit bounds, close an open end at the moment the view opens, and call only an explicit end fixed', () => {
    const both = { ...EMPTY_FILTERS, range: '' as const, from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' };
    expect(openWindow(both, now)).toEqual({ from: both.from, to: both.to });
    expect(isFixedWindow(both)).toBe(true);
    expect(openWindow({ ...both, to: '' }, now)).toEqual({ from: both.from, to: '2026-11-25T12:00:00.000Z' });
    expect(isFixedWindow({ ...both, to: '' })).toBe(false);
    expect(isFixedWindow({ ...both, from: '' })).toBe(true);
  });

  it('should send the window and the filters, the same for every request of the view', () => {
    const filters = { ...EMPTY_FILTERS, range: '24h' as const, resourceTypes: ['Member', 'Session'], status: 'success' as const };
    const params = apiFilterParams(filters, openWindow(filters, now));
    expect(params.toString()).toBe('resourceType=Member&resourceType=Session&status=success&from=2026-11-24T12%3A00%3A00.000Z&to=2026-11-25T12%3A00%3A00.000Z');
    expect(apiFilterParams(filters, { from: '', to: '2026-11-02T00:00:00.000Z' }).has('from')).toBe(false);
  });

  it('should leave out the resource types when their options are being counted, and only them', () => {
    const filters = { ...EMPTY_FILTERS, resourceTypes: ['Member'], action: 'invite' };
    const params = apiFilterParams(filters, openWindow(filters, now), { omitResourceTypes: true });
    expect(params.getAll('resourceType')).toEqual([]);
    expect(params.get('action')).toBe('invite');
  });
});
