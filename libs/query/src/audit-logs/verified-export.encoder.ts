import { AuditChainHeadsReader, AuditExpiryRepository, chainTimeText, toClickHouseTime, type AuditEventFilterParameter, type AuditEventRow, type AuditEventsFilter, type TenantScope } from '@audit/clickhouse';
import { ExportManifestBuilder, signManifest, verifiedExportLine, type ChainHead, type ExportFilters, type SigningKey } from '@audit/integrity';
import { filterParameters } from './audit-logs.filters';
import type { ExportEncoder } from './export.format';

/** The filters as the manifest states them: the resolved window and every filter that was given. */
function manifestFilters(filter: AuditEventsFilter): ExportFilters {
  return { from: filter.from, to: filter.to, ...(filterParameters(filter) as ManifestFilters) };
}

/** The list's filters as the manifest types them: tsc refuses a filter of the list that ExportFilters does not name. */
type ManifestFilters = Pick<ExportFilters, AuditEventFilterParameter>;

/**
 * The encoder of one verified export (stateful: it counts the rows it encodes). Rows arrive in
 * chain order from `streamChained`; each becomes the line libs/integrity defines, and the footer is
 * the signed manifest over the body's SHA-256, with the chain heads read after the last row and
 * each organization's newest expiry statement (so an auditor checks the export starts after it).
 */
export class VerifiedExportEncoder implements ExportEncoder {
  readonly contentType = 'application/x-ndjson; charset=utf-8';
  readonly extension = 'ndjson';
  readonly header = '';
  private readonly manifest = new ExportManifestBuilder();

  constructor(
    private readonly key: SigningKey,
    private readonly heads: Pick<AuditChainHeadsReader, 'latest'>,
    private readonly expiries: Pick<AuditExpiryRepository, 'newestOf'>,
    private readonly scope: TenantScope,
    private readonly filter: AuditEventsFilter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  encode(rows: AuditEventRow[]): string {
    let text = '';
    for (const row of rows) {
      const chained = {
        ...row,
        // The chain hashed the stored time text; rows come back with ISO-8601.
        occurred_at: toClickHouseTime(row.occurred_at),
        expires_at: row.expires_at == null ? null : chainTimeText(row.expires_at),
        chain_seq: Number(row.chain_seq ?? 0),
        chain_prev_hash: row.chain_prev_hash ?? '',
        chain_hash: row.chain_hash ?? '',
      };
      this.manifest.add(chained);
      text += `${verifiedExportLine(chained)}\n`;
    }
    return text;
  }

  async footer(body: { sha256: string }): Promise<string> {
    const records = await this.heads.latest(this.manifest.organizationIds());
    const expiries = await this.expiries.newestOf(this.manifest.organizationIds());
    const heads = new Map<string, ChainHead>([...records].map(([organization, head]) => [organization, { seq: Number(head.chain_seq), hash: head.chain_hash }]));
    const manifest = this.manifest.build({
      createdAt: this.now().toISOString(),
      organization: this.scope === 'all' ? '*' : this.scope.organizationId,
      filters: manifestFilters(this.filter),
      bodySha256: body.sha256,
      keyId: this.key.keyId,
      heads,
      expiries,
    });
    return `${JSON.stringify(signManifest(this.key, manifest))}\n`;
  }
}
