import { parseAuditSearch, SearchSyntaxError } from '@audit/contract';
import { UsageError } from './cli.io';

/** The list's filters as flags, shared by every command that reads audit events (export, tail). */
export const FILTER_OPTIONS = {
  'resource-type': { type: 'string', multiple: true },
  action: { type: 'string', multiple: true },
  actor: { type: 'string' },
  'resource-id': { type: 'string' },
  'actor-ip': { type: 'string' },
  status: { type: 'string' },
  q: { type: 'string' },
} as const;

interface FilterValues {
  'resource-type'?: string[];
  action?: string[];
  actor?: string;
  'resource-id'?: string;
  'actor-ip'?: string;
  status?: string;
  q?: string;
}

/** Puts the filter flags on the request's query string; a search the API would refuse fails here first. */
export function applyFilters(url: URL, values: FilterValues): void {
  if (values.q !== undefined) checkSearch(values.q);
  for (const type of values['resource-type'] ?? []) url.searchParams.append('resourceType', type);
  for (const action of values.action ?? []) url.searchParams.append('action', action);
  const single: Array<[string, string | undefined]> = [
    ['actor', values.actor],
    ['resourceId', values['resource-id']],
    ['actorIp', values['actor-ip']],
    ['status', values.status],
    ['q', values.q],
  ];
  for (const [name, value] of single) if (value !== undefined) url.searchParams.set(name, value);
}

/** A search the API would refuse is a usage error, shown with a caret under the offset, before any request. */
function checkSearch(q: string): void {
  try {
    parseAuditSearch(q);
  } catch (error) {
    if (!(error instanceof SearchSyntaxError)) throw error;
    throw new UsageError(`--q ${error.message} (rule ${error.rule})\n  ${q}\n  ${' '.repeat(error.position)}^`);
  }
}
