import { boundedLabel } from './metric-label';

describe('boundedLabel', () => {
  it('should keep short snake_case words', () => {
    expect(boundedLabel('contract')).toBe('contract');
    expect(boundedLabel('Too_Large')).toBe('too_large');
  });

  it('should fold free text, ids and empty values into fixed words', () => {
    expect(boundedLabel('Unexpected token } in JSON')).toBe('other');
    expect(boundedLabel('0195f7a2-2f6e-7c4b-9d2e-7b6a1c0e9f11')).toBe('other');
    expect(boundedLabel('')).toBe('unknown');
    expect(boundedLabel(undefined)).toBe('unknown');
  });

  it('should accept only the given vocabulary when there is one', () => {
    expect(boundedLabel('insert', ['insert', 'commit'])).toBe('insert');
    expect(boundedLabel('drop', ['insert', 'commit'])).toBe('other');
  });
});
