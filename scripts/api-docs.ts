// `npm run docs:api`: writes docs/api.md from the JSDoc of the public exports. For each entry
// point of package.json `exports`, it follows the `export ... from` statements of the index
// file to the module that declares each name, and prints the declaration's first line and
// its JSDoc. Deliberately simple: it reads the sources with regular expressions, so it
// handles the shapes this code base uses (one declaration per exported name).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const repoRoot = resolve(import.meta.dirname, '..')

const ENTRIES = [
  { specifier: 'leafwise', file: 'src/index.ts' },
  { specifier: 'leafwise/registry', file: 'src/registry/index.ts' },
  { specifier: 'leafwise/registry/postgres', file: 'src/registry/postgres.ts' },
  { specifier: 'leafwise/registry/pglite', file: 'src/registry/pglite.ts' },
  { specifier: 'leafwise/monitor', file: 'src/monitor/index.ts' },
  { specifier: 'leafwise/http', file: 'src/http/index.ts' },
  { specifier: 'leafwise/node', file: 'src/node/index.ts' },
]

interface ApiItem {
  name: string
  /** Repo-relative module declaring it. */
  module: string
  kind: string
  signature: string
  doc: string
}

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8')

/** Every exported name of `file` with the module that declares it (following re-exports). */
function exportsOf(file: string, seen = new Set<string>()): { name: string; module: string }[] {
  if (seen.has(file) || !existsSync(join(repoRoot, file))) return []
  seen.add(file)
  const text = read(file)
  const out: { name: string; module: string }[] = []
  const target = (spec: string) => relative(repoRoot, resolve(repoRoot, dirname(file), spec))
  for (const match of text.matchAll(/export\s+\*\s+from\s+'([^']+)'/g))
    out.push(...exportsOf(target(match[1]), seen))
  for (const match of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
    const module = target(match[2])
    for (const part of match[1].split(',')) {
      const words = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
      if (!words[0]) continue
      const declared = declarationModule(module, words[0])
      out.push({ name: words[1] ?? words[0], module: declared })
    }
  }
  for (const match of text.matchAll(
    /^export\s+(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|interface|type|const|let|enum)\s+([A-Za-z_$][\w$]*)/gm,
  ))
    out.push({ name: match[1], module: file })
  return out
}

/** The module that declares `name` when `module` only re-exports it. */
function declarationModule(module: string, name: string): string {
  if (!existsSync(join(repoRoot, module))) return module
  if (declarationOf(module, name)) return module
  const found = exportsOf(module).find((item) => item.name === name)
  return found?.module ?? module
}

/** The JSDoc and first line of `name`'s declaration in `module`. */
function declarationOf(module: string, name: string): Omit<ApiItem, 'name' | 'module'> | undefined {
  const text = read(module)
  const pattern = new RegExp(
    `(?:/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*)?^export\\s+(?:declare\\s+)?(?:async\\s+)?(?:abstract\\s+)?(function\\*?|class|interface|type|const|let|enum)\\s+${name.replace(/\$/g, '\\$')}\\b([^\\n]*)`,
    'm',
  )
  const match = pattern.exec(text)
  if (!match) return undefined
  const doc = (match[1] ?? '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim()
  const signature = `${match[2]} ${name}${match[3]}`
    .replace(/\s*\{\s*$/, '')
    .replace(/\s*=\s*$/, '')
    .trim()
  return { kind: match[2], signature, doc }
}

/** The API of every entry point, in export order, each name once per entry. */
export function collectApi(): { specifier: string; items: ApiItem[] }[] {
  return ENTRIES.filter((entry) => existsSync(join(repoRoot, entry.file))).map((entry) => {
    const seen = new Set<string>()
    const items: ApiItem[] = []
    for (const { name, module } of exportsOf(entry.file)) {
      if (seen.has(name)) continue
      seen.add(name)
      const declaration = existsSync(join(repoRoot, module)) ? declarationOf(module, name) : undefined
      items.push({ name, module, ...(declaration ?? { kind: '', signature: name, doc: '' }) })
    }
    return { specifier: entry.specifier, items }
  })
}

/** docs/api.md's text. */
export function renderApi(): string {
  const parts = [
    '# API reference',
    '',
    'Generated from the JSDoc of the public exports by `npm run docs:api` (scripts/api-docs.ts);',
    'do not edit by hand. Signatures show the first line of each declaration; follow the source',
    'link for the full type.',
    '',
  ]
  for (const { specifier, items } of collectApi()) {
    parts.push(`## \`${specifier}\``, '')
    for (const item of items) {
      parts.push(`### \`${item.name}\``, '')
      parts.push('```ts', item.signature, '```', '')
      if (item.doc) parts.push(item.doc, '')
      parts.push(`Source: [\`${item.module}\`](../${item.module})`, '')
    }
  }
  return `${parts.join('\n').trimEnd()}\n`
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const text = renderApi()
  writeFileSync(join(repoRoot, 'docs', 'api.md'), text)
  const count = (text.match(/^### /gm) ?? []).length
  const undocumented = collectApi().flatMap((e) =>
    e.items.filter((i) => !i.doc).map((i) => `${e.specifier}: ${i.name}`),
  )
  console.log(`docs/api.md: ${count} exports, ${undocumented.length} without JSDoc`)
  if (undocumented.length > 0) console.log(`  ${undocumented.join('\n  ')}`)
}
