import type { TopDimension, TopValue } from '../api/audit-api.client';
import { formatCount } from '../format/event.format';
import { TOP_LISTS } from './use-aggregations';

/** The text of a value: an actor by email when known, a resource as Type/id. */
function describe(by: TopDimension, value: TopValue): string {
  if (by === 'actor') return value.label || value.value;
  if (by === 'resource') return `${value.label}/${value.value}`;
  return value.value;
}

/** Top actors, resources, IPs and actions of the view with their counts (and distinct actors where that says something). */
export function TopLists({ top }: { top: Partial<Record<TopDimension, TopValue[]>> }) {
  return (
    <section className="top-lists" aria-label="Most frequent in this view">
      {TOP_LISTS.map(({ by, title }) => (
        <div key={by} className="top-list" data-testid={`top-${by}`}>
          <h3>{title}</h3>
          {top[by]?.length ? (
            <ol>
              {top[by].map((value) => (
                <li key={`${value.organizationId}|${value.label}|${value.value}`} data-value={value.value} data-count={value.count}>
                  <span className="top-list__value">{describe(by, value)}</span>
                  <span className="top-list__count">
                    {formatCount(value.count)}
                    {by !== 'actor' ? ` · ${formatCount(value.actors)} ${value.actors === 1 ? 'actor' : 'actors'}` : ''}
                  </span>
                </li>
              ))}
            </ol>
          ) : (
            <p className="top-list__none">{top[by] ? 'None' : '…'}</p>
          )}
        </div>
      ))}
    </section>
  );
}
