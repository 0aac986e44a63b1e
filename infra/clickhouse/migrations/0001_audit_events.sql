-- The audit log. Access path: one organization, a time range, newest first; so the sort key is
-- (organization_id, occurred_at, event_id) and parts are monthly. ReplacingMergeTree collapses a
-- re-sent event (same id, same time) on merge; readers also deduplicate, so a duplicate never
-- shows even before the merge.
CREATE TABLE IF NOT EXISTS {{database}}.audit_events {{on_cluster}}
(
    event_id          UUID,
    organization_id   String,
    occurred_at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    actor_id          String,
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
    kafka_partition   UInt32,
    kafka_offset      UInt64 CODEC(Delta, ZSTD(1)),
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD(1)),
    INDEX idx_actor_email actor_email TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_actor_id actor_id TYPE bloom_filter(0.01) GRANULARITY 4,
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
