import { Fragment, useState } from 'react';
import type { ShownEvent } from '../api/audit-api.client';
import { localDateTime, utcTime } from '../format/event.format';
import { IdConflictBadge, ResourceBadge, StatusBadge } from './badges';
import { EventDetails } from './event-details';

/** A narrow column wraps an email before its `@`, never inside a word (`<wbr>` is not copied with the text). */
function BreakableEmail({ email }: { email: string }) {
  const at = email.indexOf('@');
  return at > 0 ? (
    <>
      {email.slice(0, at)}
      <wbr />
      {email.slice(at)}
    </>
  ) : (
    <>{email}</>
  );
}

/**
 * A row's identity on the page: an id alone is not one (a reused id shows each content, and the
 * security role sees organizations whose events share an id).
 */
const rowKey = (event: ShownEvent, index: number) => `${index}:${event.organizationId}:${event.id}`;

export function AuditTable({ events, loading }: { events: ShownEvent[]; loading: boolean }) {
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <div className={`table-scroll${loading ? ' table-scroll--loading' : ''}`}>
      <table className="events">
        <caption className="visually-hidden">Audit events, newest first. Expand a row for the full event.</caption>
        <thead>
          <tr>
            <th scope="col" className="events__toggle">
              <span className="visually-hidden">Details</span>
            </th>
            <th scope="col">Timestamp</th>
            <th scope="col">User</th>
            <th scope="col">Resource type</th>
            <th scope="col">Action</th>
            <th scope="col">Resource</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event, index) => {
            const key = rowKey(event, index);
            const open = expanded.has(key);
            const detailsId = `event-${index}-${event.id}`;
            return (
              <Fragment key={key}>
                <tr className={`events__row${open ? ' events__row--open' : ''}`} data-event-id={event.id} onClick={() => toggle(key)}>
                  <td className="events__toggle">
                    <button
                      type="button"
                      className="expander"
                      aria-expanded={open}
                      aria-controls={open ? detailsId : undefined}
                      aria-label={`${open ? 'Hide' : 'Show'} details of ${event.action} on ${event.resource.type} ${event.resource.name ?? event.resource.id}`}
                      onClick={(click) => {
                        click.stopPropagation();
                        toggle(key);
                      }}
                    >
                      <span aria-hidden="true">›</span>
                    </button>
                  </td>
                  <td className="events__time">
                    <time dateTime={event.occurredAt} title={utcTime(event.occurredAt)}>
                      {localDateTime(event.occurredAt).map((part) => (
                        <span key={part}>{part}</span>
                      ))}
                    </time>
                  </td>
                  <td className="events__user">
                    <span className="events__name">{event.actor.name ?? event.actor.id}</span>
                    <span className="events__muted">{event.actor.email ? <BreakableEmail email={event.actor.email} /> : `${event.actor.type} · ${event.actor.id}`}</span>
                  </td>
                  <td data-column="resourceType">
                    <ResourceBadge type={event.resource.type} />
                  </td>
                  <td data-column="action">
                    <code className="action">{event.action}</code>
                  </td>
                  <td className="events__resource">
                    {event.resource.name ? <span className="events__name">{event.resource.name}</span> : null}
                    <span className="events__muted events__id">{event.resource.id}</span>
                  </td>
                  <td data-column="status">
                    <StatusBadge status={event.status} />
                    {event.idConflict ? <IdConflictBadge /> : null}
                  </td>
                </tr>
                {open ? (
                  <tr className="events__details" id={detailsId}>
                    <td colSpan={7}>
                      <EventDetails event={event} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
