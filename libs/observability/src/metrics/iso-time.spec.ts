import { epochMillisOfIso } from './iso-time';

describe('epochMillisOfIso', () => {
  it.each(['2026-11-25T19:04:05.678Z', '1999-12-31T23:59:59.999Z', '2024-02-29T00:00:00.000Z', '2030-01-01T00:00:00.001Z'])('should read the canonical form %s as Date.parse does', (iso) => {
    expect(epochMillisOfIso(iso)).toBe(Date.parse(iso));
  });

  it('should fall back to Date.parse for other forms', () => {
    expect(epochMillisOfIso('2026-11-25T20:04:05+01:00')).toBe(Date.parse('2026-11-25T19:04:05.000Z'));
    expect(epochMillisOfIso('not a time')).toBeNaN();
  });
});
