import { COMMANDS, runCli } from './cli';
import { captureIo } from '../test/capture.io';

describe('audit CLI', () => {
  it('should list every command in the main help', async () => {
    const out = captureIo();

    expect(await runCli(['--help'], out.io)).toBe(0);

    for (const command of ['lag', 'dlq', 'export', 'migrate', 'verify']) expect(out.stdout()).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it.each(COMMANDS.map((command) => command.name))('should print the help of %s with --help and exit 0', async (name) => {
    const out = captureIo();

    expect(await runCli([name, '--help'], out.io)).toBe(0);

    expect(out.stdout()).toMatch(new RegExp(`^Usage: audit ${name}`));
  });

  it.each([['list'], ['redrive']])('should print the help of dlq %s', async (sub) => {
    const out = captureIo();

    expect(await runCli(['dlq', sub, '--help'], out.io)).toBe(0);

    expect(out.stdout()).toMatch(new RegExp(`^Usage: audit dlq ${sub}`));
  });

  it('should refuse an unknown command with exit code 2 and the help', async () => {
    const out = captureIo();

    expect(await runCli(['prove'], out.io)).toBe(2);

    expect(out.stderr()).toContain('unknown command "prove"');
    expect(out.stderr()).toContain('Usage: audit <command>');
  });

  it('should refuse an unknown flag with exit code 2 and point to the command help', async () => {
    const out = captureIo();

    expect(await runCli(['lag', '--frobnicate'], out.io)).toBe(2);

    expect(out.stderr()).toMatch(/audit lag: .*--frobnicate/);
    expect(out.stderr()).toContain('see audit lag --help');
  });

  it('should name a bad environment variable instead of failing later', async () => {
    const out = captureIo({ KAFKA_BROKERS: 'not a broker list' });

    expect(await runCli(['lag'], out.io)).toBe(2);

    expect(out.stderr()).toContain('KAFKA_BROKERS');
  });

  it('should accept the -- separator npx passes through', async () => {
    const out = captureIo();

    expect(await runCli(['--', 'migrate', '--help'], out.io)).toBe(0);

    expect(out.stdout()).toMatch(/^Usage: audit migrate/);
  });

  it('should refuse verify without --org, and a --from that is not a date, as usage errors', async () => {
    const noOrg = captureIo();
    const badFrom = captureIo();

    expect(await runCli(['verify'], noOrg.io)).toBe(2);
    expect(await runCli(['verify', '--org', 'org_a', '--from', 'yesterday'], badFrom.io)).toBe(2);

    expect(noOrg.stderr()).toContain('--org is required');
    expect(badFrom.stderr()).toContain('--from must be an ISO-8601 date');
  });
});
