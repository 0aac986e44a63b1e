/** A route of the public listener as a request target, and whether it validates its query string against a DTO. */
export interface CatalogRoute {
  template: string;
  path: string;
  /** Takes query parameters (a query DTO): unknown ones must be refused. */
  queryDto: boolean;
  /** Answers with a stream that stays open (Server-Sent Events): answered once its status line arrives. */
  streaming: boolean;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; responses?: Record<string, { content?: Record<string, unknown> }> }>>;
}

/**
 * Routes served outside the OpenAPI document on purpose: the console page and its files, and the
 * document itself. `libs/query/test/route-coverage.int-spec.ts` checks that the router has no
 * other route the document lacks, so a new API route lands in this catalog by itself.
 */
export const ROUTES_OUTSIDE_OPENAPI = ['/audit', '/audit/assets/{file}', '/docs', '/docs/json', '/docs-yaml'] as const;

/** Paths that belong to the operations listener: on the public one they must not answer. */
export const OPERATIONS_PATHS = ['/metrics', '/health/live', '/health/ready'] as const;

/** A concrete path for a template: path parameters get a plain sample value. */
const concrete = (template: string) => template.replace(/\{[^}]+\}/g, 'app.js');

/** Every route of the public listener, read from its OpenAPI document plus the known exclusions. */
export async function publicRoutes(publicUrl: string): Promise<CatalogRoute[]> {
  const document = (await (await fetch(`${publicUrl}/docs/json`)).json()) as OpenApiDocument;
  const documented = Object.entries(document.paths).map(([template, operations]) => ({
    template,
    path: concrete(template),
    queryDto: Object.values(operations).some((operation) => (operation.parameters ?? []).some((parameter) => parameter.in === 'query')),
    streaming: Object.values(operations).some((operation) => Object.values(operation.responses ?? {}).some((response) => 'text/event-stream' in (response.content ?? {}))),
  }));
  return [...documented, ...ROUTES_OUTSIDE_OPENAPI.map((template) => ({ template, path: concrete(template), queryDto: false, streaming: false }))];
}
