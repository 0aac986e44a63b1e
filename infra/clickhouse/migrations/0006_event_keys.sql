-- The investigations' access path (docs/querying.md, "Investigations by actor, resource and IP").
-- audit_events is sorted by organization and time, so "everything one actor did over 90 days, in
-- every organization" used to read every granule of the window through a bloom filter: its cost
-- followed the window's rows, not the actor's. This narrow table holds one row per investigated
-- key of each stored row, sorted by that key and then time: a lookup reads the key's own range.
--
--   key_kind 'actor'    the actor's email and id (the API's `actor` is "email or id": one lookup
--                       serves the OR; a row whose email equals its id gets one entry)
--   key_kind 'resource' the resource id
--   key_kind 'ip'       the actor's IP address in one canonical text (IPv6NumToString(toIPv6(…)):
--                       IPv4 as ::ffff:a.b.c.d), so an address matches however it was written
--
-- An entry names only where its row lives in audit_events (organization_id, occurred_at: the
-- primary key's first two columns). A read takes those places from here and then reads the rows
-- themselves from audit_events with every filter applied again, so tenant scope, copies and
-- retention stay exactly the main table's: an entry only narrows where to look, and an entry whose
-- row is gone finds nothing. What this table must never do is miss a stored row:
--   * every insert into audit_events feeds it through the materialized view below (created before
--     the backfill, so a row stored during the migration is entered by one or both);
--   * an entry carries its row's chain_seq, expires_at and retention_days and expires by the main
--     table's own TTL expression (0004: after a signed expiry statement, never while held), so it
--     lives exactly as long as its row; the expiry job materializes the TTL of both tables.
-- Re-sent copies are rows of their own in audit_events and here. A replayed block is dropped here
-- as it is there: ClickHouse passes the block audit_events drops as a copy on to the view, under a
-- token derived from the insert's, so this table keeps its own deduplication window. An entry made
-- twice otherwise (by the view and the backfill) names the same place, which a lookup takes once.
-- So a plain MergeTree, not a ReplacingMergeTree: its collapsing pass over every inserted block
-- made the view cost more CPU per row (docs/benchmarks.md), and it removed a replay's entries
-- only at a merge.
CREATE TABLE IF NOT EXISTS {{database}}.audit_event_keys{{local}} {{on_cluster}}
(
    key_kind        LowCardinality(String),
    key_value       String CODEC(ZSTD(1)),
    occurred_at     DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    organization_id String CODEC(ZSTD(1)),
    chain_seq       UInt64 CODEC(Delta, ZSTD(1)),
    expires_at      Nullable(DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    retention_days  UInt16
)
ENGINE = {{merge_tree}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (key_kind, key_value, occurred_at, organization_id, chain_seq)
TTL if(
    chain_seq <= dictGetOrDefault('{{database}}.audit_retention_gate', 'expired_through', tuple(organization_id), toUInt64(0))
        AND chain_seq < dictGetOrDefault('{{database}}.audit_retention_gate', 'held_from', tuple(organization_id), toUInt64(18446744073709551615)),
    toDateTime(ifNull(expires_at, occurred_at + toIntervalDay(retention_days))),
    toDateTime('2106-01-01 00:00:00', 'UTC'))
SETTINGS index_granularity = 8192,
         non_replicated_deduplication_window = 10000,
         ttl_only_drop_parts = 0,
         materialize_ttl_recalculate_only = 1;

{{distributed:audit_event_keys}}

-- Runs on the node (each shard's local table) that stores the row, inside the insert.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.audit_event_keys_mv{{local}} {{on_cluster}}
TO {{database}}.audit_event_keys{{local}}
AS SELECT key.1 AS key_kind, key.2 AS key_value, occurred_at, organization_id, chain_seq, expires_at, retention_days
FROM {{database}}.audit_events{{local}}
ARRAY JOIN arrayConcat(
    arrayMap(value -> ('actor', value), arrayDistinct(arrayFilter(value -> value != '', [actor_email, actor_id]))),
    [('resource', resource_id)],
    if(isIPv4String(actor_ip) OR isIPv6String(actor_ip), [('ip', IPv6NumToString(toIPv6(actor_ip)))], [])) AS key;

-- The rows stored before this migration (on a cluster through the Distributed tables, which send
-- each entry to the shard of its organization, where its row is).
INSERT INTO {{database}}.audit_event_keys (key_kind, key_value, occurred_at, organization_id, chain_seq, expires_at, retention_days)
SELECT key.1, key.2, occurred_at, organization_id, chain_seq, expires_at, retention_days
FROM {{database}}.audit_events
ARRAY JOIN arrayConcat(
    arrayMap(value -> ('actor', value), arrayDistinct(arrayFilter(value -> value != '', [actor_email, actor_id]))),
    [('resource', resource_id)],
    if(isIPv4String(actor_ip) OR isIPv6String(actor_ip), [('ip', IPv6NumToString(toIPv6(actor_ip)))], [])) AS key
SETTINGS max_execution_time = 0;
