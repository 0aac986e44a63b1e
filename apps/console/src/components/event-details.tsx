import type { AuditEvent } from '@audit/contract';
import type { ReactNode } from 'react';
import { formatValue, utcTime } from '../format/event.format';

function Item({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="details__item">
      <dt>{term}</dt>
      <dd>{children ?? <span className="events__muted">—</span>}</dd>
    </div>
  );
}

/** The whole event, as stored: nothing the table leaves out is hidden here. */
export function EventDetails({ event }: { event: AuditEvent }) {
  const metadata = Object.entries(event.metadata ?? {});
  return (
    <div className="details" data-testid="event-details">
      <dl className="details__grid">
        <Item term="Occurred (UTC)">{utcTime(event.occurredAt)}</Item>
        <Item term="IP address">{event.actor.ip}</Item>
        <Item term="User agent">{event.actor.userAgent}</Item>
        <Item term="Request ID">{event.requestId ? <code>{event.requestId}</code> : undefined}</Item>
        <Item term="Session ID">{event.sessionId ? <code>{event.sessionId}</code> : undefined}</Item>
        <Item term="Actor">
          {event.actor.type} · <code>{event.actor.id}</code>
        </Item>
        <Item term="Event ID">
          <code>{event.id}</code>
        </Item>
        {event.reason ? <Item term="Failure reason">{event.reason}</Item> : null}
      </dl>
      <div className="details__columns">
        <section aria-label="Changes">
          <h3>Changes</h3>
          {event.changes?.length ? (
            <table className="changes">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Before</th>
                  <th scope="col">
                    <span className="visually-hidden">to</span>
                  </th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {event.changes.map((change) => (
                  <tr key={change.field}>
                    <th scope="row">
                      <code>{change.field}</code>
                    </th>
                    <td className="changes__before">{formatValue(change.before)}</td>
                    <td aria-hidden="true" className="changes__arrow">
                      →
                    </td>
                    <td className="changes__after">{formatValue(change.after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="events__muted">No field changes recorded.</p>
          )}
        </section>
        <section aria-label="Metadata">
          <h3>Metadata</h3>
          {metadata.length ? (
            <dl className="metadata">
              {metadata.map(([key, value]) => (
                <div key={key}>
                  <dt>
                    <code>{key}</code>
                  </dt>
                  <dd>{formatValue(value)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="events__muted">No metadata.</p>
          )}
        </section>
      </div>
    </div>
  );
}
