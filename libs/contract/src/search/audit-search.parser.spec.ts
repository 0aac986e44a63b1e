import fc from 'fast-check';
import { parseAuditSearch } from './audit-search.parser';
import { printAuditSearch } from './audit-search.printer';
import { SEARCH_LIMITS, SEARCH_TEXT_KEYS, SearchSyntaxError, type SearchTerm } from './audit-search.query';

/** The error a query fails with, or undefined when it parses. */
function failure(text: string): SearchSyntaxError | undefined {
  try {
    parseAuditSearch(text);
    return undefined;
  } catch (error) {
    if (error instanceof SearchSyntaxError) return error;
    throw error;
  }
}

describe('parseAuditSearch', () => {
  it('parses the example of the issue into one term per key:value', () => {
    expect(parseAuditSearch('actor:alice@x.com action:role.* -status:success resource.type:Patient created:>=2026-09-01 ip:10.0.0.0/8')).toEqual([
      { key: 'actor', negated: false, pattern: ['alice@x.com'] },
      { key: 'action', negated: false, pattern: ['role.', ''] },
      { key: 'status', negated: true, pattern: ['success'] },
      { key: 'resource.type', negated: false, pattern: ['Patient'] },
      { key: 'created', operator: '>=', at: '2026-09-01' },
      { key: 'ip', negated: false, address: '10.0.0.0/8' },
    ]);
  });

  it('reads quoted values with spaces, escaped quotes, backslashes and literal stars', () => {
    expect(parseAuditSearch('resource.name:"Jane \\"JD\\" Doe \\\\ \\* *"')).toEqual([{ key: 'resource.name', negated: false, pattern: ['Jane "JD" Doe \\ * ', ''] }]);
  });

  it('accepts an empty quoted value (events without that field) and surrounding white space', () => {
    expect(parseAuditSearch('  actor.email:""\t\n')).toEqual([{ key: 'actor.email', negated: false, pattern: [''] }]);
    expect(parseAuditSearch('   ')).toEqual([]);
  });

  it('reads created as an operator and a date or time, or as a range', () => {
    expect(parseAuditSearch('created:2026-09-01 created:<2026-10-01T12:30:00Z created:2026-09-01..2026-09-30T23:59')).toEqual([
      { key: 'created', operator: '=', at: '2026-09-01' },
      { key: 'created', operator: '<', at: '2026-10-01T12:30:00Z' },
      { key: 'created', from: '2026-09-01', to: '2026-09-30T23:59' },
    ]);
  });

  it('accepts IPv4, IPv6 and CIDR ranges of both for ip', () => {
    expect(parseAuditSearch('ip:192.168.1.7 ip:2001:db8::1 -ip:fd00::/8').map((term) => 'address' in term && term.address)).toEqual(['192.168.1.7', '2001:db8::1', 'fd00::/8']);
  });

  it.each([
    ['actor', 0, 'term'],
    ['bogus:x', 0, 'unknownKey'],
    ['actor:a -colour:red', 9, 'unknownKey'],
    ['actor:', 6, 'emptyValue'],
    ['actor:"alice', 6, 'unterminatedQuote'],
    ['actor:"alice"x', 13, 'afterQuote'],
    ['actor:al"ice', 8, 'quote'],
    ['actor:"a\\b"', 8, 'escape'],
    ['status:ok', 7, 'status'],
    ['status:succ*', 7, 'status'],
    ['ip:10.0.0.300', 3, 'ip'],
    ['ip:10.0.0.0/33', 3, 'ip'],
    ['ip:10.0.*', 3, 'ip'],
    ['-created:>=2026-01-01', 0, 'negatedCreated'],
    ['created:2026-02-30', 8, 'created'],
    ['created:>=yesterday', 8, 'created'],
    ['created:2026-01-01..soon', 20, 'created'],
    ['--actor:x', 1, 'term'],
  ])('refuses %j at offset %i by the rule %s', (text, position, rule) => {
    expect(failure(text)).toMatchObject({ position, rule });
  });

  it('names the offset in the message', () => {
    expect(failure('action:create bogus:1')?.message).toMatch(/^q: at 14, unknown key "bogus"/);
  });

  it('bounds the text, the terms and each value', () => {
    expect(failure('a'.repeat(SEARCH_LIMITS.queryLength + 1))).toMatchObject({ rule: 'maxLength', position: SEARCH_LIMITS.queryLength });
    expect(failure(Array.from({ length: SEARCH_LIMITS.terms + 1 }, () => 'action:x').join(' '))).toMatchObject({ rule: 'maxTerms' });
    expect(failure(`actor:${'x'.repeat(SEARCH_LIMITS.valueLength + 1)}`)).toMatchObject({ rule: 'maxLength', position: 6 });
  });

  it('either parses any string or fails with a position inside it', () => {
    const alphabet = fc.constantFrom(...'actor:.-"\\* ip/10created>=<2026-09T:Z status success \t'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet }), fc.string({ unit: 'grapheme' })), (text) => {
        const error = failure(text);
        if (error) {
          expect(error.position).toBeGreaterThanOrEqual(0);
          expect(error.position).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('gives back the same terms from their printed text (parse ∘ print = id)', () => {
    fc.assert(
      fc.property(fc.array(termArbitrary, { maxLength: 12 }), (terms) => {
        expect(parseAuditSearch(printAuditSearch(terms))).toEqual(terms);
      }),
      { numRuns: 2000 },
    );
  });

  it('prints what it parses in a canonical form that prints the same again', () => {
    for (const text of ['created:=2026-09-01', 'actor:"plain"', 'action:"role.*"']) {
      const once = printAuditSearch(parseAuditSearch(text));
      expect(printAuditSearch(parseAuditSearch(once))).toBe(once);
    }
    expect(printAuditSearch(parseAuditSearch('actor:"plain"   created:=2026-09-01'))).toBe('actor:plain created:2026-09-01');
  });
});

const date = fc.date({ min: new Date(Date.UTC(1950, 0, 1)), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true });
const time = fc.oneof(
  date.map((value) => value.toISOString().slice(0, 10)),
  date.map((value) => value.toISOString()),
  date.map((value) => value.toISOString().slice(0, 16)),
);
const ipv4 = fc.ipV4();
const address = fc.oneof(ipv4, fc.ipV6(), fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([ip, bits]) => `${ip}/${bits}`));
const textKey = fc.constantFrom(...SEARCH_TEXT_KEYS.filter((key) => key !== 'status'));
const pattern = fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 });

const termArbitrary: fc.Arbitrary<SearchTerm> = fc.oneof(
  fc.record({ key: textKey, negated: fc.boolean(), pattern }),
  fc.record({ key: fc.constant('status' as const), negated: fc.boolean(), pattern: fc.constantFrom(['success'], ['failure']) }),
  fc.record({ key: fc.constant('ip' as const), negated: fc.boolean(), address }),
  fc.record({ key: fc.constant('created' as const), operator: fc.constantFrom('>=' as const, '>' as const, '<=' as const, '<' as const, '=' as const), at: time }),
  fc.record({ key: fc.constant('created' as const), from: time, to: time }),
);
