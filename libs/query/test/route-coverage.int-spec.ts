import { ConsoleModule } from '@audit/console';
import { startQueryTestApp, type QueryTestApp } from './query-test-app';

/**
 * The hostile-client suite (test/e2e/src/hostile-clients) sends every method of every route it
 * reads from the OpenAPI document, plus the routes kept out of it on purpose. This checks that the
 * public listener's router has no route beyond those, so a new route cannot escape that suite.
 */
const OUTSIDE_THE_DOCUMENT = ['/audit', '/audit/assets/{file}', '/docs', '/docs/json', '/docs-yaml'];
/** Swagger UI's own static files. */
const SWAGGER_UI_FILES = /^\/docs\/(?!json$)/;

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe('routes of the public listener', () => {
  let api: QueryTestApp;

  beforeAll(async () => {
    api = await startQueryTestApp({}, [ConsoleModule.forRoot({ CONSOLE_ASSETS_DIR: 'dist/console' })]);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('should all be in the OpenAPI document or among the routes kept out of it on purpose', async () => {
    const document = (await (await fetch(`${api.baseUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    const stack = (api.app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } }).router.stack;
    const routed = [...new Set(stack.flatMap((layer) => (layer.route ? [layer.route.path.replace(/:(\w+)/g, '{$1}')] : [])))];

    const known = new Set([...Object.keys(document.paths), ...OUTSIDE_THE_DOCUMENT]);
    expect(routed.filter((path) => !known.has(path) && !SWAGGER_UI_FILES.test(path))).toEqual([]);
    expect(routed).toEqual(expect.arrayContaining(['/v1/audit-logs', '/v1/audit-logs/export', '/audit']));
  });
});
