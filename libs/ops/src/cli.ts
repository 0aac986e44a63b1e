import { ConfigValidationError } from '@audit/config';
import { UsageError, type CliCommand, type CliIo } from './cli.io';
import { dlqCommand } from './commands/dlq.command';
import { exportCommand } from './commands/export.command';
import { lagCommand } from './commands/lag.command';
import { migrateCommand } from './commands/migrate.command';
import { tailCommand } from './commands/tail.command';
import { verifyCommand } from './commands/verify.command';
import { verifyExportCommand } from './commands/verify-export.command';

export const COMMANDS: CliCommand[] = [lagCommand, dlqCommand, exportCommand, tailCommand, migrateCommand, verifyCommand, verifyExportCommand];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `Usage: audit <command> [options]

Operations on the audit pipeline, for SREs. Every command takes --help.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Configuration comes from the same environment variables as the apps (KAFKA_BROKERS,
CLICKHOUSE_URL, AUDIT_TOPIC, …); flags override them.
`;
}

/** Runs one command line; returns the exit code (0 ok, 1 failed, 2 usage error). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // `npx audit -- lag` passes the separator through.
  const [name, ...args] = argv[0] === '--' ? argv.slice(1) : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`audit: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigValidationError) {
      io.stderr.write(`audit ${name}: ${error.message}\n(see audit ${name} --help)\n`);
      return 2;
    }
    io.stderr.write(`audit ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
