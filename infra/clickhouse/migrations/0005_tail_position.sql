-- The tail API (GET /v1/audit-logs/tail, /stream) reads rows in order of arrival: per Kafka
-- partition, by offset, from a cursor's position up to the newest block the ingester has recorded
-- a chain head for. Rows are sorted by organization and time, not by offset, so without an index
-- a poll at the newest end would read every granule of the organization (or of the whole table, for
-- the security role). Offsets grow with arrival and rows of one arrival sit in few granules, so a
-- minmax index on kafka_offset skips everything older than the cursor; ingested_at likewise serves
-- a tail that starts `since` a time. Parts written before this migration have no index until
-- they are merged: they are read in full (the answer is the same, only slower).
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    ADD INDEX IF NOT EXISTS idx_kafka_offset kafka_offset TYPE minmax GRANULARITY 1,
    ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1;
