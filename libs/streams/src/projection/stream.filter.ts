import type { AuditEvent } from '@audit/contract';
import type { StreamFilter } from '../definition/stream-definition';

/** True when the event passes every list of the filter that is set (an empty or absent list passes all). */
export function passesFilter(filter: StreamFilter, event: AuditEvent): boolean {
  if (filter.resourceTypes?.length && !filter.resourceTypes.includes(event.resource.type)) return false;
  if (filter.actions?.length && !filter.actions.includes(event.action)) return false;
  if (filter.statuses?.length && !filter.statuses.includes(event.status)) return false;
  return true;
}
