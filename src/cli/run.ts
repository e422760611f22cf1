// Process entry of the `leafwise` command: wires the real process to runCli.
import type { CliIO } from './io.ts'
import { runCli } from './main.ts'

const io: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  interactive: process.stdout.isTTY === true && process.stderr.isTTY === true,
}

process.exitCode = await runCli(process.argv.slice(2), io)
