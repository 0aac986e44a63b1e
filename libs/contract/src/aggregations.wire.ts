/**
 * The top lists' wire shapes (`GET /v1/audit-logs/top`), shared by the store that counts them, the
 * API that serves them and the console that shows them.
 */

/** What a top list is counted by. */
export const TOP_DIMENSIONS = ['actor', 'resource', 'ip', 'action'] as const;
export type TopDimension = (typeof TOP_DIMENSIONS)[number];

/** One value of a top list. */
export interface TopValue {
  value: string;
  /** The actor's email, the resource's type; '' when the dimension has none. */
  label: string;
  count: number;
  /** Distinct actors among the counted events (who touched this resource, who used this IP). */
  actors: number;
  /** The organization an actor or a resource belongs to ('' for IPs and actions, counted across the scope). */
  organizationId: string;
}
