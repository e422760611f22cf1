import { LeafwiseError } from '../errors.ts'

/** What a CLI command may touch: its arguments, standard streams and working directory. */
export interface CliIO {
  stdout: (text: string) => void
  stderr: (text: string) => void
  cwd: string
  env: Record<string, string | undefined>
  /**
   * True when both standard output and standard error are terminals: long work then shows
   * progress on stderr. Absent or false (piped, redirected, tests): no progress at all.
   */
  interactive?: boolean
}

/** A CLI command: resolves to the process exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>

/** Thrown for bad command-line usage; printed as one line, exit code 2. */
export class UsageError extends LeafwiseError {
  constructor(message: string) {
    super('USAGE', message)
    this.name = 'UsageError'
  }
}
