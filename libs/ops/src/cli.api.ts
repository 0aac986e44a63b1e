import { loadConfig } from '@audit/config';
import { CliConfig } from './cli.config';
import { UsageError, type CliIo } from './cli.io';

/** Where the query API is and who calls it, as flags, shared by every command that reads it (export, tail). */
export const API_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
} as const;

/** Their lines of a command's help. */
export const API_HELP = `  --url <url>              query API base URL (default: $AUDIT_API_URL or http://127.0.0.1:3000)
  --token <jwt>            bearer token (default: $AUDIT_API_TOKEN); \`npm run -s dev-token\` prints one locally
`;

/** The endpoint's URL and the bearer token: the flags, else the environment; no token is a usage error. */
export function apiTarget(path: string, values: { url?: string; token?: string }, io: CliIo): { url: URL; token: string } {
  const config = loadConfig(CliConfig, io.env);
  const token = values.token ?? config.AUDIT_API_TOKEN;
  if (!token) throw new UsageError('a bearer token is required: --token <jwt> or AUDIT_API_TOKEN');
  return { url: new URL(path, values.url ?? config.AUDIT_API_URL), token };
}
