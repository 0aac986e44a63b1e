import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The query API's bounds at work: heavy reads (exports, verifications) running and refused (429)
 * by which limit, exports cut (a client that stopped reading, or ran past the longest export), and
 * the engine queries of the read side running or waiting their turn. Refusals by `tenant` mean one
 * organization asks for more than its share; by `global`, that the instance is at capacity.
 */
export class QueryLimitMetrics {
  readonly heavyReads: Gauge<'kind'>;
  readonly refused: Counter<'kind' | 'limit'>;
  readonly exportsCut: Counter<'reason'>;
  readonly engineQueries: Gauge<'state'>;

  constructor(registry: Registry) {
    this.heavyReads = new Gauge({
      name: 'audit_query_heavy_reads_in_flight',
      help: 'Exports, chain verifications and tail streams running, by kind.',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'audit_query_heavy_reads_refused_total',
      help: 'Exports, chain verifications and tail streams refused with 429, by kind and by the limit that was full (tenant or global).',
      labelNames: ['kind', 'limit'],
      registers: [registry],
    });
    this.exportsCut = new Counter({
      name: 'audit_query_exports_cut_total',
      help: 'Exports cut before their end by the server: the client took no byte for the stall timeout (stalled), or the export ran past its longest duration (too_long).',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.engineQueries = new Gauge({
      name: 'audit_query_engine_queries',
      help: 'Engine queries of the read side, running or waiting for their turn.',
      labelNames: ['state'],
      registers: [registry],
    });
  }
}
