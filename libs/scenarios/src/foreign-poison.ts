// Poison messages a foreign producer (a Java or Go service) may legally put on the audit topic,
// each with the fate it must meet: dead-lettered with its reason, or — when the dead-letter topic
// refuses it (larger than that topic accepts) — quarantined by reference (issue 15, finding 3).
import { LIMITS, makeAuditEvent, serializeAuditEvent } from '@audit/contract';

type Bytes = string | Buffer | null;

export interface PoisonKind {
  kind: string;
  key: Bytes;
  value: Bytes;
  headers?: Array<[string, Bytes]>;
  reason: string;
  /** The dead letter is refused by the dead-letter topic (1 MiB), so only a reference is published. */
  quarantined?: true;
}

/** Larger than the dead-letter topic accepts, within what the audit topic of the scenario takes. */
export const OVERSIZE_BYTES = 2 * 1024 * 1024;

/** One of each kind, for the organization (and Kafka key) `organization`. */
export function poisonKinds(organization: string): PoisonKind[] {
  const event = () => makeAuditEvent({ organizationId: organization });
  return [
    { kind: 'not JSON', key: organization, value: 'hello, audit', reason: 'not_json' },
    { kind: 'invalid UTF-8', key: organization, value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), reason: 'not_utf8' },
    { kind: 'an empty value', key: organization, value: '', reason: 'empty' },
    { kind: 'a tombstone (null value)', key: organization, value: null, reason: 'empty' },
    { kind: 'a contract violation', key: organization, value: JSON.stringify({ ...event(), action: 'Delete Everything' }), reason: 'contract' },
    { kind: "another organization's key", key: `${organization}-other`, value: serializeAuditEvent(event()), reason: 'wrong_key' },
    { kind: 'no key (a Java default)', key: null, value: serializeAuditEvent(event()), reason: 'wrong_key' },
    // Larger than the consumer's fetch size in the scenario (32 KiB per partition) as well.
    { kind: 'over the event size limit', key: organization, value: JSON.stringify({ ...event(), reason: 'x'.repeat(LIMITS.maxEventBytes) }), reason: 'too_large' },
    { kind: 'larger than the dead-letter topic accepts', key: organization, value: Buffer.alloc(OVERSIZE_BYTES, 'x'), reason: 'too_large', quarantined: true },
    {
      kind: 'binary, null and repeated headers',
      key: organization,
      value: 'not json either',
      headers: [
        ['trace', Buffer.from([0x00, 0xff, 0x80])],
        ['trace', null],
        ['empty', ''],
      ],
      reason: 'not_json',
    },
  ];
}
