-- Retention that keeps the evidence verifiable (docs/evidence.md, "Retention and legal hold").
--
-- Each link carries its expiry, computed by the ingestor and covered by the link's hash:
--   expires_at = max(the previous link's expires_at, max(block clock, occurred_at) + retention days)
-- so expiry never decreases along a chain and what expires is always a prefix, links 1…N. Links
-- stored before this migration keep expires_at NULL (their hash does not cover one) and expire as
-- before, retention_days after they occurred.
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    ADD COLUMN IF NOT EXISTS expires_at Nullable(DateTime64(3, 'UTC')) CODEC(ZSTD(1));

{{cluster_only}} ALTER TABLE {{database}}.audit_events {{on_cluster}}
    ADD COLUMN IF NOT EXISTS expires_at Nullable(DateTime64(3, 'UTC'));

-- The chain state a replay must start from includes the expiry of the head link (before and after
-- the block), so a replayed block computes the same expiries and the same hashes.
ALTER TABLE {{database}}.audit_chain_heads{{local}} {{on_cluster}}
    ADD COLUMN IF NOT EXISTS expires_at DateTime64(3, 'UTC') DEFAULT toDateTime64(0, 3, 'UTC'),
    ADD COLUMN IF NOT EXISTS prev_expires_at DateTime64(3, 'UTC') DEFAULT toDateTime64(0, 3, 'UTC');

{{cluster_only}} ALTER TABLE {{database}}.audit_chain_heads {{on_cluster}}
    ADD COLUMN IF NOT EXISTS expires_at DateTime64(3, 'UTC') DEFAULT toDateTime64(0, 3, 'UTC'),
    ADD COLUMN IF NOT EXISTS prev_expires_at DateTime64(3, 'UTC') DEFAULT toDateTime64(0, 3, 'UTC');

-- Signed expiry statements: "links 1…chain_seq of organization_id had all expired by expired_at;
-- link chain_seq's hash was chain_hash", signed with the deployment's Ed25519 key by the ingestor's
-- expiry job, after it verified those links and before the TTL below may remove them. A verifier
-- starts after the newest one.
CREATE TABLE IF NOT EXISTS {{database}}.audit_expiry_statements{{local}} {{on_cluster}}
(
    organization_id String,
    chain_seq       UInt64,
    chain_hash      String,
    expired_at      DateTime64(3, 'UTC'),
    signed_at       DateTime64(3, 'UTC'),
    key_id          String,
    signature       String
)
ENGINE = {{merge_tree}}
ORDER BY (organization_id, chain_seq, signed_at);

{{distributed:audit_expiry_statements}}

-- Legal holds, append-only: a hold is placed (one row) and later released (a second row with the
-- same hold_id). An active hold keeps every link from from_seq on — the first link whose event lies
-- in the hold's window, or 0 (everything, unchained rows too) without a window — so expiry stays a
-- prefix of the chain while rows are held.
CREATE TABLE IF NOT EXISTS {{database}}.audit_legal_holds{{local}} {{on_cluster}}
(
    hold_id         UUID,
    organization_id String,
    action          LowCardinality(String),
    from_seq        UInt64,
    window_from     Nullable(DateTime64(3, 'UTC')),
    window_to       Nullable(DateTime64(3, 'UTC')),
    reason          String,
    actor_id        String,
    actor_email     String,
    actor_role      LowCardinality(String),
    recorded_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{merge_tree}}
ORDER BY (organization_id, hold_id, recorded_at);

{{distributed:audit_legal_holds}}

-- Whom the retention gate reads its tables as: ClickHouse's local dictionary source connects as a
-- user. The embedded engine and a server with a password-less `default` user need nothing more;
-- `audit migrate` with the service passwords points it at the ingestor's account (SELECT on both
-- tables), and sets the password again on every run, as it does for the users.
CREATE NAMED COLLECTION IF NOT EXISTS {{database}}_retention_gate_source {{on_cluster}} AS user = 'default', password = '';

-- What the TTL may delete, per organization: links up to the newest expiry statement
-- (expired_through) and below the first link of an active hold (held_from). It reads each node's
-- own local tables, which hold exactly its organizations (the same sharding key as audit_events).
-- The expiry job and the hold API reload it after a change; the invalidate query reloads it within
-- two minutes of any change it missed.
CREATE DICTIONARY IF NOT EXISTS {{database}}.audit_retention_gate {{on_cluster}}
(
    organization_id String,
    expired_through UInt64 DEFAULT 0,
    held_from       UInt64 DEFAULT 18446744073709551615
)
PRIMARY KEY organization_id
SOURCE(CLICKHOUSE(
    NAME {{database}}_retention_gate_source
    QUERY 'SELECT organization_id, max(expired_through) AS expired_through, min(held_from) AS held_from FROM (SELECT organization_id, max(chain_seq) AS expired_through, toUInt64(18446744073709551615) AS held_from FROM {{database}}.audit_expiry_statements{{local}} GROUP BY organization_id UNION ALL SELECT organization_id, toUInt64(0) AS expired_through, min(from_seq) AS held_from FROM {{database}}.audit_legal_holds{{local}} GROUP BY organization_id, hold_id HAVING countIf(action = \'release\') = 0) GROUP BY organization_id'
    INVALIDATE_QUERY 'SELECT (SELECT count() FROM {{database}}.audit_expiry_statements{{local}}), (SELECT count() FROM {{database}}.audit_legal_holds{{local}})'
))
LAYOUT(COMPLEX_KEY_HASHED())
LIFETIME(MIN 60 MAX 120);

-- The TTL deletes a link only once a signed statement covers it and no active hold keeps it, and
-- then at its expiry (which the statement already saw pass). Every other link's TTL is "never"
-- (2106): nothing is deleted without its statement, whatever the merge timing. Rows outside the
-- chain (chain_seq 0) expire as before unless a hold keeps every row of their organization. The
-- parts' TTL metadata is recomputed by the expiry job (MATERIALIZE TTL, recalculate only) after it
-- signs. A dictionary lookup is not deterministic: from here on every ALTER of this table needs
-- allow_suspicious_ttl_expressions = 1, which the migration runner sets for every migration.
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    MODIFY TTL if(
        chain_seq <= dictGetOrDefault('{{database}}.audit_retention_gate', 'expired_through', tuple(organization_id), toUInt64(0))
            AND chain_seq < dictGetOrDefault('{{database}}.audit_retention_gate', 'held_from', tuple(organization_id), toUInt64(18446744073709551615)),
        toDateTime(ifNull(expires_at, occurred_at + toIntervalDay(retention_days))),
        toDateTime('2106-01-01 00:00:00', 'UTC'))
    SETTINGS materialize_ttl_after_modify = 0;

-- MATERIALIZE TTL only recomputes the parts' TTL metadata from the expression above (reading the
-- few columns it needs); the rows themselves go at the next TTL merge, as with every other TTL.
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    MODIFY SETTING materialize_ttl_recalculate_only = 1;
