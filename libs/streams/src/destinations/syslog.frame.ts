import { hostname } from 'node:os';
import { itemKind, itemTime, type BatchItem } from '../format/batch.items';

/** RFC 5424 facility 13, "log audit". */
const FACILITY_LOG_AUDIT = 13;
const SEVERITY = { informational: 6, notice: 5 } as const;
/** SD-ID of the structured data: `audit@32473` (32473 is the example enterprise number of RFC 5612). */
export const SYSLOG_SD_ID = 'audit@32473';
const BOM = '\uFEFF';

/** PRINTUSASCII without space, cut to `max` (RFC 5424 header fields); `-` when empty. */
function headerField(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return printable === '' ? '-' : printable;
}

/** An SD-PARAM value: `"`, `\` and `]` escaped (RFC 5424 §6.3.3). */
function paramValue(value: string): string {
  return value.replace(/["\\\]]/g, (char) => `\\${char}`);
}

/**
 * One RFC 5424 message for a batch item: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [audit@32473
 * org=… seq=… id=…] BOM JSON`, with facility 13 (log audit), severity notice for a failed action
 * and informational otherwise, MSGID `event`/`ocsf`/`checkpoint`/`coverage`, the item as JSON in
 * the MSG. JSON escapes every control character, so an event can never break a frame or a line.
 */
export function syslogMessage(item: BatchItem, appName: string, host = hostname()): string {
  const kind = itemKind(item);
  const failed = 'class_uid' in item ? item.status_id === 2 : item.kind === 'event' && item.event.status === 'failure';
  const pri = FACILITY_LOG_AUDIT * 8 + (failed ? SEVERITY.notice : SEVERITY.informational);
  const params: Array<[string, string]> = [];
  if ('class_uid' in item) params.push(['org', item.metadata.tenant_uid], ['seq', String(item.metadata.sequence)], ['id', item.metadata.uid]);
  else if (item.kind === 'event') params.push(['org', item.organizationId], ['seq', String(item.seq)], ['id', item.event.id]);
  else if (item.kind === 'checkpoint') params.push(['org', item.organizationId], ['seq', String(item.checkpoint.chainSeq)]);
  else params.push(['org', item.organizationId], ['first', String(item.firstSeq)], ['last', String(item.lastSeq)]);
  const structured = `[${SYSLOG_SD_ID} ${params.map(([name, value]) => `${name}="${paramValue(value)}"`).join(' ')}]`;
  const timestamp = new Date(itemTime(item)).toISOString();
  return `<${pri}>1 ${timestamp} ${headerField(host, 255)} ${headerField(appName, 48)} - ${kind} ${structured} ${BOM}${JSON.stringify(item)}`;
}

/** RFC 6587 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes. */
export function octetCounted(message: string): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length} `), bytes]);
}
