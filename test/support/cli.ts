// Runs the CLI in-process with captured output.
import type { CliIO } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/main.ts'
import { repoRoot } from './shared.ts'

export async function cli(argv: string[], env: Record<string, string | undefined> = {}, cwd = repoRoot) {
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
    env: { ...process.env, ...env },
  }
  const code = await runCli(argv, io)
  return { code, stdout, stderr }
}
