-- The audit log. Access path: one organization, a time range, newest first; so the sort key is
-- (organization_id, occurred_at, event_id): a page is a contiguous, reverse-ordered range of the
-- primary index (read in order, stopped after LIMIT rows), and a keyset cursor on
-- (occurred_at, event_id) starts page 1000 where page 999 ended, at the cost of page 1.
--
-- Identity: a producer fixes id and occurredAt once per event, so a re-sent copy has the same sort
-- key. ReplacingMergeTree collapses copies on merge; until then readers drop adjacent copies
-- (pages, exports) or read FINAL (facets), so the same id never shows twice.
--
-- Partitions are monthly: a 30-day window touches one or two partitions, a 90-day investigation
-- three or four, and six years of retention stay at ~72 partitions (daily would be ~2,200, more
-- parts to open per query and more merges; TTL drops whole monthly parts, `ttl_only_drop_parts`).
CREATE TABLE IF NOT EXISTS {{database}}.audit_events{{local}} {{on_cluster}}
(
    event_id          UUID,
    organization_id   String CODEC(ZSTD(1)),
    occurred_at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    actor_id          String CODEC(ZSTD(1)),
    actor_type        LowCardinality(String),
    actor_name        String CODEC(ZSTD(1)),
    actor_email       String CODEC(ZSTD(1)),
    actor_ip          String CODEC(ZSTD(1)),
    actor_user_agent  String CODEC(ZSTD(3)),
    action            LowCardinality(String),
    resource_type     LowCardinality(String),
    resource_id       String CODEC(ZSTD(1)),
    resource_name     String CODEC(ZSTD(1)),
    status            LowCardinality(String),
    reason            String CODEC(ZSTD(3)),
    request_id        String CODEC(ZSTD(1)),
    session_id        String CODEC(ZSTD(1)),
    changes           String CODEC(ZSTD(3)),
    metadata          String CODEC(ZSTD(3)),
    schema_version    UInt8,
    -- Lineage: where the row came from and when it landed (answers "was it lost or late?").
    kafka_topic       LowCardinality(String) DEFAULT '',
    kafka_partition   UInt32,
    kafka_offset      UInt64 CODEC(Delta, ZSTD(1)),
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    -- "actor" is an email or an id: one bloom filter over both columns serves
    -- `actor_email = x OR actor_id = x` (two single-column indexes cannot skip for an OR).
    INDEX idx_actor (actor_email, actor_id) TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_resource_id resource_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = {{replacing_merge_tree}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (organization_id, occurred_at, event_id)
TTL toDateTime(occurred_at) + toIntervalDay({{retention_days}})
SETTINGS index_granularity = 8192,
         -- Retried inserts carry the same insert_deduplication_token; remember enough recent
         -- blocks that a replay after a crash or rebalance is recognised and dropped.
         non_replicated_deduplication_window = 10000,
         ttl_only_drop_parts = 1;

-- Cluster topology: the table above is each shard's replicated local table, and this statement
-- creates `audit_events` as the Distributed table over it, sharded by organization. On a single
-- server it renders to nothing.
{{distributed:audit_events}}
