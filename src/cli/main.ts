#!/usr/bin/env node
// The `leafwise` command. Each command lives in its own module and is imported only when
// used, so `leafwise predict` never loads the database drivers.
import { readFileSync } from 'node:fs'
import { LeafwiseError } from '../errors.ts'
import { fileErrorMessage } from './files.ts'
import { type CliIO, type Command, UsageError } from './io.ts'

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  predict: {
    summary: 'predict rows of a CSV file with a model.txt',
    load: async () => (await import('./predict.ts')).predictCommand,
  },
  inspect: {
    summary: 'describe a model.txt (objective, trees, features, flags)',
    load: async () => (await import('./inspect.ts')).inspectCommand,
  },
  explain: {
    summary: 'SHAP contributions of a row as a bar chart',
    load: async () => (await import('./explain.ts')).explainCommand,
  },
  compile: {
    summary: 'compile a model.txt into a standalone ES module',
    load: async () => (await import('./compile.ts')).compileCommand,
  },
  check: {
    summary: 'validate every package under a models root',
    load: async () => (await import('./check.ts')).checkCommand,
  },
  analyze: {
    summary: 'ensemble analysis of feature records',
    load: async () => (await import('./analyze.ts')).analyzeCommand,
  },
  demo: {
    summary: 'migrate, register, verify and analyze the example models (embedded registry)',
    load: async () => (await import('./demo.ts')).demoCommand,
  },
  migrate: {
    summary: 'apply the registry migrations',
    load: async () => (await import('./registry-commands.ts')).migrateCommand,
  },
  register: {
    summary: 'register models/<name>/<version> in the registry',
    load: async () => (await import('./registry-commands.ts')).registerCommand,
  },
  list: {
    summary: 'list registered models',
    load: async () => (await import('./registry-commands.ts')).listCommand,
  },
  status: {
    summary: 'change the status of a model version',
    load: async () => (await import('./registry-commands.ts')).statusCommand,
  },
  promote: {
    summary: 'deploy a version and deprecate the other deployed versions',
    load: async () => (await import('./registry-commands.ts')).promoteCommand,
  },
  rollback: {
    summary: 're-deploy the version deployed before',
    load: async () => (await import('./registry-commands.ts')).rollbackCommand,
  },
  history: {
    summary: 'status history of a model',
    load: async () => (await import('./registry-commands.ts')).historyCommand,
  },
  verify: {
    summary: "the guide's verification steps for every registered model",
    load: async () => (await import('./verify.ts')).verifyCommand,
  },
  alias: {
    summary: 'point an alias (champion, challenger) at a version; list or remove aliases',
    load: async () => (await import('./alias.ts')).aliasCommand,
  },
  tag: {
    summary: 'set key=value tags on a model or a version',
    load: async () => (await import('./tag.ts')).tagCommand,
  },
  untag: {
    summary: 'remove tags from a model or a version',
    load: async () => (await import('./tag.ts')).untagCommand,
  },
  approve: {
    summary: 'approve a version (who and why go into the history)',
    load: async () => (await import('./approval.ts')).approveCommand,
  },
  reject: {
    summary: 'reject a version',
    load: async () => (await import('./approval.ts')).rejectCommand,
  },
  show: {
    summary: 'one version: row, aliases, tags, approval, lineage, signature, files, history',
    load: async () => (await import('./show.ts')).showCommand,
  },
  diff: {
    summary: 'what changed between two versions (features, objective, trees, parameters, metrics)',
    load: async () => (await import('./diff.ts')).diffCommand,
  },
  registry: {
    summary: 'registry tools (export a static manifest)',
    load: async () => (await import('./registry-export.ts')).registryCommand,
  },
}

/** The version of the installed package (package.json beside src/ and dist/). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return manifest.version
}

/** An error of node:util parseArgs (an unknown option, a missing value): bad usage. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

function usage(): string {
  const names = Object.keys(commands).sort()
  const width = Math.max(...names.map((n) => n.length))
  return [
    'usage: leafwise <command> [options]',
    '       leafwise --version',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${commands[n].summary}`),
    '',
    'Run `leafwise <command> --help` for the options of a command.',
  ].join('\n')
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${usage()}\n`)
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(`leafwise ${packageVersion()}\n`)
    return 0
  }
  const entry = commands[name]
  if (!entry) {
    io.stderr(`leafwise: unknown command '${name}'\n${usage()}\n`)
    return 2
  }
  try {
    const command = await entry.load()
    return await command(rest, io)
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(
        `leafwise ${name}: ${(error as Error).message}${error instanceof UsageError ? '' : ` (leafwise ${name} --help)`}\n`,
      )
      return 2
    }
    const fileError = fileErrorMessage(error)
    if (fileError) {
      io.stderr(`leafwise ${name}: ${fileError}\n`)
      return 1
    }
    if (error instanceof LeafwiseError) {
      io.stderr(`leafwise ${name}: ${error.code}: ${error.message}\n`)
      return 1
    }
    const message = error instanceof Error ? error.message : String(error)
    io.stderr(`leafwise ${name}: ${message}\n`)
    return 1
  }
}
