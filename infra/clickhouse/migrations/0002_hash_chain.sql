-- Tamper evidence. Each organization's events form a hash chain in the order the ingestor stores
-- them: chain_seq counts 1, 2, 3… per organization, and
--   chain_hash = SHA-256(chain_prev_hash ‖ canonical JSON of the event's stored columns)
-- (libs/integrity defines the canonical form). Rows stored before this migration keep chain_seq 0:
-- they predate the chain and are reported as unchained, not as broken.
--
-- chain_seq joins the end of the sorting key (the primary key stays the first three columns, so
-- every read path is unchanged). Why: without it, ReplacingMergeTree would merge away a re-sent
-- copy of an event (same id, same time) that the chain counted under its own sequence number, and
-- an auditor would see a hole that looks exactly like a deleted row. With it, only a true replay
-- (same row, same sequence) collapses; readers still show each event id once.
--
-- retention_days is per row, filled by the ingestor from the organization's retention (default
-- {{retention_days}} days), so one TTL enforces every organization's retention.
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    ADD COLUMN IF NOT EXISTS chain_seq UInt64 CODEC(Delta, ZSTD(1)),
    ADD COLUMN IF NOT EXISTS chain_prev_hash String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS chain_hash String CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS retention_days UInt16 DEFAULT {{retention_days}},
    MODIFY ORDER BY (organization_id, occurred_at, event_id, chain_seq);

-- Range scans by sequence (verification walks an organization's chain in order).
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    ADD INDEX IF NOT EXISTS idx_chain_seq chain_seq TYPE minmax GRANULARITY 1;

ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    MODIFY TTL toDateTime(occurred_at) + toIntervalDay(retention_days)
    SETTINGS materialize_ttl_after_modify = 0;

-- Per-organization retention needs the TTL to delete rows, not only whole parts: a monthly part
-- holds every organization's rows, and with ttl_only_drop_parts = 1 (0001) an organization kept
-- for 365 days would keep its events as long as the six-year ones beside it. With 0, TTL merges
-- (every merge_with_ttl_timeout, 4 h by default) rewrite a part without its expired rows.
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    MODIFY SETTING ttl_only_drop_parts = 0;

{{cluster_only}} ALTER TABLE {{database}}.audit_events {{on_cluster}}
    ADD COLUMN IF NOT EXISTS chain_seq UInt64,
    ADD COLUMN IF NOT EXISTS chain_prev_hash String,
    ADD COLUMN IF NOT EXISTS chain_hash String,
    ADD COLUMN IF NOT EXISTS retention_days UInt16 DEFAULT {{retention_days}};

-- The head of each organization's chain after every stored block, written by the ingestor after
-- the block's rows and before its Kafka offsets are committed. prev_seq/prev_hash are the head
-- *before* the block: a block replayed after a crash (same offsets, same deduplication token) must
-- be chained again from exactly that state, so its hashes come out identical. Merges keep only the
-- newest head per organization, which is all that recovery needs.
CREATE TABLE IF NOT EXISTS {{database}}.audit_chain_heads{{local}} {{on_cluster}}
(
    organization_id String,
    chain_seq       UInt64,
    chain_hash      String,
    prev_seq        UInt64,
    prev_hash       String,
    kafka_topic     LowCardinality(String),
    kafka_partition UInt32,
    first_offset    UInt64,
    last_offset     UInt64,
    written_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{replacing_merge_tree}}
ORDER BY organization_id
SETTINGS non_replicated_deduplication_window = 10000;

{{distributed:audit_chain_heads}}

-- Signed checkpoints: the head of each organization's chain at a moment, signed with the
-- deployment's Ed25519 key. Copies kept elsewhere (the file sink) make deleting the newest rows —
-- and the heads with them — detectable.
CREATE TABLE IF NOT EXISTS {{database}}.audit_chain_checkpoints{{local}} {{on_cluster}}
(
    organization_id String,
    chain_seq       UInt64,
    chain_hash      String,
    signed_at       DateTime64(3, 'UTC'),
    key_id          String,
    signature       String
)
ENGINE = {{merge_tree}}
ORDER BY (organization_id, chain_seq, signed_at);

{{distributed:audit_chain_checkpoints}}
