import type { TopDimension, TopValue } from '@audit/contract';
import type { AuditEventsFilter, Condition } from './audit-events.conditions';
import { EVENTS, sliceCondition, type AggregationRead, type Slice } from './aggregation.read';

/**
 * The SQL of each top list's dimension, never from input. Per dimension: the key counted, a label shown beside it, whether the label is part of the key (a
 * resource is its type and id), whether the key names something of one organization (an actor id
 * or a resource id in two organizations are two different things), and a condition on rows that
 * have the key at all.
 */
const TOP_KEYS: Record<TopDimension, { key: string; label: string; labelIsKey: boolean; perOrganization: boolean; having?: string }> = {
  actor: { key: 'actor_id', label: 'actor_email', labelIsKey: false, perOrganization: true },
  resource: { key: 'resource_id', label: 'toString(resource_type)', labelIsKey: true, perOrganization: true },
  ip: { key: 'actor_ip', label: "''", labelIsKey: false, perOrganization: false, having: "actor_ip != ''" },
  action: { key: 'toString(action)', label: "''", labelIsKey: false, perOrganization: false },
};

/** A candidate of a top list, counted. */
interface CountedValue {
  /** {@link valueId} */
  id: string;
  organization: string;
  key: string;
  label: string;
  events: number;
  actors: number;
  rows: number;
}

/** The identity of a value: organization, key and, for resources, the type (the label is then part of the key; else ''). */
const valueId = (organization: string, key: string, keyLabel: string) => `${organization}\u0000${key}\u0000${keyLabel}`;

/**
 * The `limit` most frequent values of `by` with their counts and distinct actors; ties by value.
 * Counting distinct contents per value costs a set entry per row, so it runs for candidates only:
 * rows are counted per value first (copies included: an upper bound of its events; the value
 * grouped by a 64-bit hash, so the pass holds a number per value instead of its text), the values
 * of the most rows are counted exactly, and the answer stands when the last of the top `limit`
 * has more events than any value left out has rows. Else the candidates widen ×4; past the rows a
 * read may return, every value is counted instead. Copies are rare, so the first round almost
 * always stands. Two values that share a hash (`valueHash`: the SQL of the 64-bit hash, given the
 * value as a tuple) show up as a candidate with fewer rows than its group, and the list is then
 * counted by value: no value hides behind another's hash.
 */
export async function countTopValues(
  read: AggregationRead,
  where: Condition,
  filter: AuditEventsFilter,
  by: TopDimension,
  limit: number,
  valueHash: (tuple: string) => string,
): Promise<TopValue[]> {
  const dimension = topKey(by);
  const conditions = { sql: [...where.sql, ...(dimension.having ? [dimension.having] : [])], params: where.params };
  let groupBy = valueHash(dimension.tuple);
  for (let candidates = 2 * limit; ; candidates *= 4) {
    // Candidates are rows of the answer and values in the query: past the read's result rows, every value is counted instead.
    if (candidates >= read.maxResultRows) return toTop(await countValues(read, conditions, dimension, filter, undefined, limit), limit);
    // [organization, key, label, rows]: the group's value (one of them, should two share a hash) and its rows.
    const groups = await read.rows<[string, string, string, number | string]>(
      `SELECT any(${dimension.organization}), any(${dimension.key}), ${dimension.labelIsKey ? `any(${dimension.label})` : "''"}, count() AS count
       FROM ${read.table}
       WHERE ${conditions.sql.join(' AND ')}
       GROUP BY ${groupBy} ORDER BY count DESC LIMIT {candidates:UInt32}`,
      { ...conditions.params, candidates: candidates + 1 },
    );
    const among = groups.slice(0, candidates);
    const counted = await countValues(read, conditions, dimension, filter, among);
    // A candidate whose value has fewer rows than its group shared a hash with another value, which was not counted: count by value instead.
    const rowsOf = new Map(counted.map((value) => [value.id, value.rows]));
    if (among.some(([organization, key, label, rows]) => rowsOf.get(valueId(organization, key, label)) !== Number(rows))) {
      groupBy = dimension.tuple;
      candidates /= 4;
      continue;
    }
    const top = toTop(counted, limit);
    // Every value left out has at most the rows of the first group left out, and no more events than rows.
    const beyond = Number(groups[candidates]?.[3] ?? 0);
    if (groups.length <= candidates || (top.length === limit && top[limit - 1].count > beyond)) return top;
  }
}

/**
 * Events, distinct actors and rows of each candidate value (`among`; every value when undefined),
 * most events first (ties by value, then organization). One query when the candidates' rows fit
 * one count (every value's: the first `limit`); else their events are counted in time slices and
 * added up, and their distinct actors by one query that holds no digest.
 */
async function countValues(
read: AggregationRead,
conditions: Condition,
  dimension: ReturnType<typeof topKey>,
  filter: AuditEventsFilter,
  among: ReadonlyArray<[string, string, string, number | string]> | undefined,
  limit?: number,
): Promise<CountedValue[]> {
  const arrays = `arrayZip({amongOrganizations:Array(String)}, {amongValues:Array(String)}${dimension.labelIsKey ? ', {amongLabels:Array(String)}' : ''})`;
  const where = among
    ? {
        sql: [...conditions.sql, `${dimension.tuple} IN (SELECT arrayJoin(${arrays}))`],
        params: {
          ...conditions.params,
          amongOrganizations: among.map(([organization]) => organization),
          amongValues: among.map(([, key]) => key),
          ...(dimension.labelIsKey && { amongLabels: among.map(([, , label]) => label) }),
        },
      }
    : conditions;
  const label = dimension.labelIsKey ? dimension.label : `any(${dimension.label})`;
  const groupBy = `organization, key${dimension.labelIsKey ? `, ${dimension.label}` : ''}`;
  const count = (slice: Slice | undefined, columns: string, first?: number) => {
    const bounded = sliceCondition(where, slice);
    return read.rows<[string, string, string, number | string, number | string]>(
      `SELECT ${dimension.organization} AS organization, ${dimension.key} AS key, ${label}, ${columns}
       FROM ${read.table} WHERE ${bounded.sql.join(' AND ')} GROUP BY ${groupBy}
       ${first === undefined ? '' : 'ORDER BY events DESC, key, organization LIMIT {first:UInt32}'}`,
      { ...bounded.params, ...(first !== undefined && { first }) },
    );
  };
  const values = new Map<string, CountedValue>();
  const identify = (organization: string, key: string, labelText: string) => valueId(organization, key, dimension.labelIsKey ? labelText : '');
  // The candidates' rows are known from the first pass; every value's are counted by `slices`.
  const fits = among !== undefined && among.reduce((sum, [, , , rows]) => sum + Number(rows), 0) <= read.countedRowsPerQuery;
  const slices = fits ? [undefined] : await read.slices(where, filter);
  if (slices.length === 1 && slices[0] === undefined) {
    const counted = await count(undefined, `${EVENTS} AS events, count(), uniqExact(actor_id)`, among ? undefined : limit);
    for (const [organization, key, labelText, events, rows, actors] of counted as unknown as Array<[string, string, string, string, string, string]>) {
      const id = identify(organization, key, labelText);
      values.set(id, { id, organization, key, label: labelText, events: Number(events), rows: Number(rows), actors: Number(actors) });
    }
  } else {
    // Copies share their instant, so the events of time slices add up; distinct actors do not, and are counted apart.
    for (const slice of slices) {
      for (const [organization, key, labelText, events, rows] of await count(slice, `${EVENTS}, count()`)) {
        const id = identify(organization, key, labelText);
        const value = values.get(id) ?? { id, organization, key, label: labelText, events: 0, rows: 0, actors: 0 };
        values.set(id, { ...value, events: value.events + Number(events), rows: value.rows + Number(rows) });
      }
    }
    for (const [organization, key, labelText, actors] of await count(undefined, 'uniqExact(actor_id)')) {
      const value = values.get(identify(organization, key, labelText));
      if (value) value.actors = Number(actors);
    }
  }
  return [...values.values()].sort((a, b) => b.events - a.events || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)) || Buffer.compare(Buffer.from(a.organization), Buffer.from(b.organization)));
}

/** The first `limit` counted values as the API gives them. */
function toTop(counted: CountedValue[], limit: number): TopValue[] {
  return counted.slice(0, limit).map(({ key, label, events, actors, organization }) => ({ value: key, label, count: events, actors, organizationId: organization }));
}

/** The SQL of a top list's dimension: its key, label and organization, and the value as one tuple. */
function topKey(by: TopDimension) {
  const { key, label, labelIsKey, perOrganization, having } = TOP_KEYS[by];
  const organization = perOrganization ? 'organization_id' : "''";
  return { key, label, labelIsKey, having, organization, tuple: `(${organization}, ${key}${labelIsKey ? `, ${label}` : ''})` };
}
