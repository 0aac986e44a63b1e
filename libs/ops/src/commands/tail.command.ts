import { setTimeout as sleep } from 'node:timers/promises';
import { parseCommandArgs, positiveInteger } from '../cli.args';
import { API_HELP, API_OPTIONS, apiTarget } from '../cli.api';
import { applyFilters, FILTER_OPTIONS } from '../cli.filters';
import { UsageError, type CliCommand, type CliIo } from '../cli.io';

const HELP = `Usage: audit tail [--follow] [options]

Prints audit events in order of arrival from the query API (GET /v1/audit-logs/tail), oldest
first, each once. Without --follow it prints what is stored after the start and exits; with
--follow it keeps polling. A dropped connection or an unavailable API is retried from the last
cursor: no event is skipped or printed twice. On exit the cursor to resume from is printed on
stderr (pass it back with --after).

Options:
  -f, --follow             keep printing new events as they are stored (Ctrl-C to stop)
  --since <ISO-8601>       start with the events stored from this instant (default: only new ones)
  --after <cursor>         resume after a cursor printed by an earlier run (same filters)
  --json                   one event per line as JSON (with chainSeq), instead of a table line
  --resource-type <type>   filter; repeat for several types
  --action <action>        filter; repeat for several actions
  --actor <email-or-id>    filter
  --resource-id <id>       filter
  --actor-ip <ip>          filter: the actor's IP address (IPv4 or IPv6; a range: --q ip:10.0.0.0/8)
  --q <query>              a search as in the API's q= (created: terms are refused: use --since)
  --status <success|failure>
  --organization <id>      security role: one organization instead of all
  --interval <ms>          pause between polls once caught up (default 1000)
${API_HELP}  -h, --help               show this help
`;

interface TailEvent {
  id: string;
  occurredAt: string;
  organizationId: string;
  action: string;
  status: string;
  chainSeq: number;
  actor: { id: string; email?: string };
  resource: { type: string; id: string };
}

interface TailPage {
  data: TailEvent[];
  next: string;
  hasMore: boolean;
}

/** A refusal worth retrying (the API or its broker is down for a moment), as opposed to a bad request. */
const RETRIED = new Set([429, 502, 503, 504]);
const RETRY_MAX_MS = 10_000;

function line(event: TailEvent): string {
  const actor = event.actor.email ?? event.actor.id;
  return `${event.occurredAt}  ${event.organizationId}#${event.chainSeq}  ${event.action}  ${event.resource.type}/${event.resource.id}  ${actor}  ${event.status}\n`;
}

export const tailCommand: CliCommand = {
  name: 'tail',
  summary: 'print audit events as they arrive (no gap, no copy; resumable)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, {
      follow: { type: 'boolean', short: 'f' },
      since: { type: 'string' },
      after: { type: 'string' },
      json: { type: 'boolean' },
      ...FILTER_OPTIONS,
      organization: { type: 'string' },
      interval: { type: 'string' },
      ...API_OPTIONS,
    });
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    const { url: base, token } = apiTarget('/v1/audit-logs/tail', values, io);
    if (values.since !== undefined && values.after !== undefined) throw new UsageError('--since and --after both say where to start: pass one');
    const interval = positiveInteger('interval', values.interval, 1000);
    applyFilters(base, values);
    for (const [name, value] of [['organizationId', values.organization], ['since', values.since]] as const) if (value !== undefined) base.searchParams.set(name, value);
    base.searchParams.set('limit', '500');

    let cursor = values.after;
    let retryMs = 250;
    // The page was not received: the same cursor is asked for again, so nothing is skipped or repeated.
    const retry = async (why: string) => {
      io.stderr.write(`tail: ${why}; retrying in ${retryMs} ms\n`);
      await sleep(retryMs, undefined, { signal: io.signal }).catch(() => undefined);
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    };
    try {
      while (!io.signal.aborted) {
        const url = new URL(base);
        if (cursor !== undefined) {
          url.searchParams.set('after', cursor);
          url.searchParams.delete('since');
        }
        let response: Response;
        try {
          response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: io.signal });
        } catch (error) {
          if (!io.signal.aborted) await retry((error as Error).message);
          continue;
        }
        if (response.status !== 200) {
          const body = await response.text();
          if (!RETRIED.has(response.status)) {
            io.stderr.write(`tail failed: HTTP ${response.status} ${body.slice(0, 300)}\n`);
            return 1;
          }
          await retry(`HTTP ${response.status}`);
          continue;
        }
        retryMs = 250;
        const page = (await response.json()) as TailPage;
        for (const event of page.data) io.stdout.write(values.json ? `${JSON.stringify(event)}\n` : line(event));
        cursor = page.next;
        if (page.hasMore) continue;
        if (!values.follow) break;
        await sleep(interval, undefined, { signal: io.signal }).catch(() => undefined);
      }
    } finally {
      if (cursor !== undefined) io.stderr.write(`resume with: --after ${cursor}\n`);
    }
    return 0;
  },
};
