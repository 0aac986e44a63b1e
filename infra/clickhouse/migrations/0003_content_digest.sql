-- A copy is a copy only if its content is identical. Readers used to drop every row that shared
-- (organization, time, id) with the row before it, so a different event sent under a reused id was
-- hidden behind the first one (and, in the security role's all-organizations view, another
-- organization's event with the same id too). Every copy-dropping read now keys on
-- (organization_id, event_id, content_digest): an identical re-send is shown once, a conflicting
-- reuse is shown as the second event it is.
--
-- content_digest = SHA-256 of the event's columns as RowBinary (each value length-prefixed, so no
-- two contents share an encoding). Computed by ClickHouse at insert: the ingester does not change,
-- and rows stored before this migration get the same value computed on read. A cryptographic
-- digest, because a producer that could make a different content collide with a stored one could
-- hide it again.
ALTER TABLE {{database}}.audit_events{{local}} {{on_cluster}}
    ADD COLUMN IF NOT EXISTS content_digest FixedString(32) MATERIALIZED SHA256(formatRowNoNewline('RowBinary',
        event_id, organization_id, occurred_at, actor_id, actor_type, actor_name, actor_email, actor_ip, actor_user_agent,
        action, resource_type, resource_id, resource_name, status, reason, request_id, session_id, changes, metadata, schema_version));

{{cluster_only}} ALTER TABLE {{database}}.audit_events {{on_cluster}}
    ADD COLUMN IF NOT EXISTS content_digest FixedString(32) MATERIALIZED SHA256(formatRowNoNewline('RowBinary',
        event_id, organization_id, occurred_at, actor_id, actor_type, actor_name, actor_email, actor_ip, actor_user_agent,
        action, resource_type, resource_id, resource_name, status, reason, request_id, session_id, changes, metadata, schema_version));
