import type { CliIo } from '../src/cli.io';

/** A CliIo whose output the test reads back. */
export function captureIo(env: NodeJS.ProcessEnv = {}, signal: AbortSignal = new AbortController().signal) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    signal,
  };
  return { io, stdout: () => stdout, stderr: () => stderr };
}
