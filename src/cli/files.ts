// File errors of the CLI as one line that names the file and says what to do: the input
// checks every command runs before reading, the output checks before writing, and the
// translation of any file-system error that still escapes (ENOENT, EISDIR, EACCES, ...).
import { existsSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, isAbsolute, relative } from 'node:path'
import { LeafwiseError } from '../errors.ts'

/** A file the command cannot read or write; the message names it and the fix. */
export class CliFileError extends LeafwiseError {
  constructor(
    code: 'FILE_NOT_FOUND' | 'NOT_A_FILE' | 'NOT_A_DIRECTORY' | 'FILE_UNREADABLE' | 'FILE_UNWRITABLE',
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options)
    this.name = 'CliFileError'
  }
}

/** A path as a person would type it: relative below `cwd`, else absolute. */
export function shownPath(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

/** The file as messages show it: `--input rows.csv`, or just the path for positionals. */
const subject = (path: string, flag?: string) => (flag ? `${flag} ${path}` : path)

/** Throws unless `path` is an existing regular file. */
export function requireFile(path: string, flag?: string, shown = path): void {
  let info: ReturnType<typeof statSync> | undefined
  try {
    info = statSync(path)
  } catch (error) {
    throw fileError(error, path, flag, 'read', shown) ?? error
  }
  if (info.isDirectory())
    throw new CliFileError(
      'NOT_A_FILE',
      path,
      `${subject(shown, flag)} is a directory: give a file inside it`,
    )
  if (!info.isFile())
    throw new CliFileError('NOT_A_FILE', path, `${subject(shown, flag)} is not a regular file`)
}

/** Throws unless `path` is an existing directory. */
export function requireDirectory(path: string, flag?: string, shown = path): void {
  let info: ReturnType<typeof statSync> | undefined
  try {
    info = statSync(path)
  } catch (error) {
    throw fileError(error, path, flag, 'read', shown) ?? error
  }
  if (!info.isDirectory())
    throw new CliFileError('NOT_A_DIRECTORY', path, `${subject(shown, flag)} is not a directory`)
}

/**
 * Opens `path` for writing (created or truncated) and returns a line writer. Fails at once,
 * before any work, when the directory is missing or the file cannot be written.
 */
export async function openOutput(
  path: string,
  flag?: string,
  shown = path,
): Promise<{ write: (text: string) => Promise<void>; close: () => Promise<void> }> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'w')
  } catch (error) {
    throw fileError(error, path, flag, 'write', shown) ?? error
  }
  return {
    write: async (text) => {
      try {
        await handle.write(text)
      } catch (error) {
        throw fileError(error, path, flag, 'write', shown) ?? error
      }
    },
    close: () => handle.close(),
  }
}

/**
 * The CliFileError for a file-system error of `path`, or undefined when `error` is not one.
 * `mode` says whether the command was reading or writing the file.
 */
export function fileError(
  error: unknown,
  path: string,
  flag?: string,
  mode: 'read' | 'write' = 'read',
  shown = path,
): CliFileError | undefined {
  const code = (error as { code?: unknown } | null)?.code
  const what = subject(shown, flag)
  switch (code) {
    case 'ENOENT': {
      if (mode === 'write' && !existsSync(dirname(path)))
        return new CliFileError(
          'FILE_NOT_FOUND',
          path,
          `cannot write ${what}: the directory ${dirname(shown)} does not exist (create it, or choose another path)`,
          { cause: error },
        )
      return new CliFileError('FILE_NOT_FOUND', path, `${what}: no such file (check the path)`, {
        cause: error,
      })
    }
    case 'EISDIR':
      return new CliFileError(
        'NOT_A_FILE',
        path,
        mode === 'write'
          ? `cannot write ${what}: it is a directory (give a file name)`
          : `${what} is a directory: give a file inside it`,
        { cause: error },
      )
    case 'EEXIST': // mkdir of a directory on the way, where a file is
    case 'ENOTDIR':
      return new CliFileError(
        'NOT_A_DIRECTORY',
        path,
        `${what}: a part of the path is a file, not a directory (check the path)`,
        { cause: error },
      )
    case 'EACCES':
    case 'EPERM':
      return new CliFileError(
        mode === 'write' ? 'FILE_UNWRITABLE' : 'FILE_UNREADABLE',
        path,
        `${what}: permission denied (check the permissions of the file and its directory)`,
        { cause: error },
      )
    case 'EROFS':
      return new CliFileError('FILE_UNWRITABLE', path, `cannot write ${what}: read-only file system`, {
        cause: error,
      })
    case 'ENOSPC':
      return new CliFileError('FILE_UNWRITABLE', path, `cannot write ${what}: no space left on the device`, {
        cause: error,
      })
    default:
      return undefined
  }
}

/**
 * One line for a file-system error that escaped a command (it carries `code` and `path`),
 * or undefined for any other error.
 */
export function fileErrorMessage(error: unknown): string | undefined {
  if (error instanceof CliFileError) return `${error.code}: ${error.message}`
  const path = (error as { path?: unknown } | null)?.path
  if (typeof path !== 'string') return undefined
  const syscall = (error as { syscall?: unknown }).syscall
  const writing = syscall === 'write' || syscall === 'mkdir' || syscall === 'rename'
  const translated = fileError(error, path, undefined, writing ? 'write' : 'read')
  return translated ? `${translated.code}: ${translated.message}` : undefined
}
