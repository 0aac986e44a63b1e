/**
 * Every limit of the v1 contract in one place. They are part of the contract: a producer and the
 * ingestor built from the same version agree on them, and tests pin each one.
 */
export const LIMITS = {
  /** Serialized size of one event on the wire (UTF-8 bytes of its JSON). */
  maxEventBytes: 64 * 1024,
  idLength: 36,
  organizationIdLength: 128,
  actorIdLength: 256,
  actorNameLength: 256,
  /** RFC 5321 path limit. */
  emailLength: 254,
  userAgentLength: 1024,
  actionLength: 64,
  resourceTypeLength: 64,
  resourceIdLength: 256,
  resourceNameLength: 512,
  reasonLength: 1024,
  correlationIdLength: 128,
  maxChanges: 100,
  changeFieldLength: 128,
  changeValueLength: 4096,
  maxMetadataKeys: 50,
  metadataKeyLength: 64,
  metadataValueLength: 1024,
  /** Earliest accepted occurredAt: older timestamps are almost always unit mistakes (seconds vs ms). */
  earliestOccurredAt: Date.UTC(2000, 0, 1),
  /** How far in the future occurredAt may be, to tolerate clock skew between services. */
  maxClockSkewMs: 60 * 60 * 1000,
} as const;

export const ACTOR_TYPES = ['user', 'service', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export const STATUSES = ['success', 'failure'] as const;
export type AuditStatus = (typeof STATUSES)[number];

export const SCHEMA_VERSION = 1;

/** Tenant ids: letters, digits and `_ . : -`, starting with a letter or digit. */
export const ORGANIZATION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
/** Lowercase verbs, optionally namespaced with dots: `create`, `role.change`, `login_failed`. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
/** PascalCase type names: `Organization`, `Member`, `Patient`, `AuditLog`. */
export const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z0-9]*$/;
export const METADATA_KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;
/** Any version of RFC 9562 UUID, lowercase or uppercase hex. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
/**
 * C0 and C1 control characters (CR and LF among them) and the Unicode line and paragraph
 * separators U+2028/U+2029 (line breaks to many log viewers): rejected in every string field, so an
 * audit value can never forge a line in a log, a CSV export or a terminal (OWASP log injection).
 * Unpaired UTF-16 surrogates (`"\ud800"` in JSON) too: they are not text, ClickHouse refuses them,
 * and no stored byte could reproduce what the hash chain would have covered.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
