// Runs the CLI in-process with captured output. The environment is only what the test
// gives (nothing of the process's: a DATABASE_URL of the shell never reaches a test).
import type { CliIO } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/main.ts'
import { repoRoot } from './shared.ts'

export async function cli(
  argv: string[],
  env: Record<string, string | undefined> = {},
  cwd = repoRoot,
  /** More of the CliIO (e.g. `interactive`: a terminal). */
  more: Partial<Pick<CliIO, 'interactive'>> = {},
) {
  let stdout = ''
  let stderr = ''
  const io: CliIO = {
    stdout: (t) => {
      stdout += t
    },
    stderr: (t) => {
      stderr += t
    },
    cwd,
    env,
    ...more,
  }
  const code = await runCli(argv, io)
  return { code, stdout, stderr }
}
