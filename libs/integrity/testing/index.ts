// `@audit/integrity/testing`: fixtures of stored rows for this lib's specs and for `@audit/testing`
// (which depends on this lib, so cannot be imported by its specs). Not part of the runtime lib
// (libs/integrity/src): only tests import it.
export { chainedColumns } from './chained-columns.fixture';
