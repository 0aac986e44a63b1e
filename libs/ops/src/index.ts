export { runCli } from './cli';
export type { CliCommand, CliIo } from './cli.io';
