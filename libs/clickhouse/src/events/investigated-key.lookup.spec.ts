import { parseAuditSearch, toSearchFilter } from '@audit/contract';
import { investigatedKeyOf } from './investigated-key.lookup';

const search = (q: string) => toSearchFilter(parseAuditSearch(q)).clauses;

describe('investigatedKeyOf', () => {
  it('should take the actor filter, then the resource filter, as the entries to read', () => {
    expect(investigatedKeyOf({ actor: 'alice@x.com', resourceId: 'patient_1' })).toEqual({ kind: 'actor', values: ['alice@x.com'] });
    expect(investigatedKeyOf({ resourceId: 'patient_1' })).toEqual({ kind: 'resource', values: ['patient_1'] });
  });

  it('should take a search clause of exact actor or resource ids or single addresses, each value an entry', () => {
    expect(investigatedKeyOf({ search: search('action:view actor.email:a@x.com actor.email:b@x.com') })).toEqual({ kind: 'actor', values: ['a@x.com', 'b@x.com'] });
    expect(investigatedKeyOf({ search: search('resource.id:patient_1') })).toEqual({ kind: 'resource', values: ['patient_1'] });
    expect(investigatedKeyOf({ search: search('ip:10.0.0.1 ip:2001:db8::42') })).toEqual({ kind: 'ip', values: ['10.0.0.1', '2001:db8::42'] });
  });

  it('should read no entries for a wildcard, a negation alone, an address range or a filter without a key, which could match rows without such an entry', () => {
    expect(investigatedKeyOf({ search: search('actor:alice*') })).toBeUndefined();
    expect(investigatedKeyOf({ search: search('actor:alice@x.com actor:bob*') })).toBeUndefined();
    expect(investigatedKeyOf({ search: search('-actor:alice@x.com') })).toBeUndefined();
    expect(investigatedKeyOf({ search: search('ip:10.0.0.0/8') })).toBeUndefined();
    expect(investigatedKeyOf({ search: search('ip:10.0.0.1 ip:10.1.0.0/16') })).toBeUndefined();
    expect(investigatedKeyOf({ status: 'failure', actions: ['view'] })).toBeUndefined();
  });
});
