// The portable core guard: the layers of DESIGN.md ("Layers") checked on the import
// statements of every source file. Only src/node/ and src/cli/ may reach for `node:`
// modules, fast-glob or a database driver; everything else must run on every runtime.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')

/** Modules a portable layer must never import (bare specifiers, and any `node:` one). */
const FORBIDDEN = ['fast-glob', 'postgres', '@electric-sql/pglite']
/**
 * The registry adapters: the only registry files allowed a driver. pglite-share.ts (the
 * lock and loopback server of a data directory on disk) is loaded by pglite.ts only for
 * such a directory.
 */
const DRIVER_FILES = new Set([
  'src/registry/postgres.ts',
  'src/registry/pglite.ts',
  'src/registry/pglite-share.ts',
])
/**
 * The LightGBM core's faces (docs/design.md, "Faces"): the public one and the internal one
 * for leafwise's own layers. Any other file of src/lightgbm/ is private to the core.
 */
const CORE_FACES = ['src/lightgbm/index.ts', 'src/lightgbm/internal.ts']

interface ImportSite {
  file: string
  line: number
  specifier: string
  /** Repo-relative path for a relative specifier; undefined for a bare one. */
  target?: string
}

function listTs(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...listTs(path))
    else if (name.endsWith('.ts')) out.push(path)
  }
  return out
}

// Static `import ... from`, `export ... from`, side-effect `import '...'` and dynamic
// `import('...')`; comments are stripped first so prose never counts as an import.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm

function importsOf(file: string): ImportSite[] {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const rel = relative(root, file)
  const sites: ImportSite[] = []
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[2]
    const line = text.slice(0, match.index).split('\n').length
    const target = specifier.startsWith('.') ? relative(root, resolve(dirname(file), specifier)) : undefined
    sites.push({ file: rel, line, specifier, target })
  }
  return sites
}

function show(site: ImportSite): string {
  return `${site.file}:${site.line} imports '${site.specifier}'`
}

/** Every import of the files under `paths` (repo-relative), minus `skip`. */
function importsUnder(paths: string[], skip: Set<string> = new Set()): ImportSite[] {
  return paths
    .flatMap((p) => {
      const abs = join(root, p)
      return p.endsWith('.ts') ? (existsSync(abs) ? [abs] : []) : listTs(abs)
    })
    .filter((file) => !skip.has(relative(root, file)))
    .flatMap(importsOf)
}

const inside = (target: string | undefined, ...prefixes: string[]) =>
  target !== undefined &&
  prefixes.some((p) => (p.endsWith('.ts') ? target === p : target.startsWith(`${p}/`)))

describe('portable layers (DESIGN.md, "Layers")', () => {
  const portable = [
    'src/lightgbm',
    'src/package',
    'src/ensemble',
    'src/registry',
    'src/monitor',
    'src/http',
    'src/errors.ts',
    'src/names.ts',
    'src/chunks.ts',
  ]

  it('the scanner finds imports in this tree (guards against a vacuous pass)', () => {
    const sites = importsUnder(['src/lightgbm', 'src/package'])
    expect(sites.some((s) => s.specifier === './forest.ts')).toBe(true)
    expect(sites.some((s) => s.specifier === 'valibot')).toBe(true)
    expect(importsUnder(['src/registry/postgres.ts']).some((s) => s.specifier === 'postgres')).toBe(true)
  })

  it('no portable file imports node: modules, fast-glob, postgres or PGlite', () => {
    const bad = importsUnder(portable, DRIVER_FILES).filter(
      (s) => s.specifier.startsWith('node:') || FORBIDDEN.includes(s.specifier),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('the LightGBM core imports nothing outside src/lightgbm but src/errors.ts and src/chunks.ts', () => {
    const bad = importsUnder(['src/lightgbm']).filter(
      (s) => !inside(s.target, 'src/lightgbm', 'src/errors.ts', 'src/chunks.ts'),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('other layers reach the LightGBM core only through its faces (index.ts, internal.ts)', () => {
    const faces = new Set(CORE_FACES)
    const intoCore = importsUnder(['src']).filter(
      (s) =>
        !s.file.startsWith('src/lightgbm/') &&
        s.target !== undefined &&
        (s.target === 'src/lightgbm' || s.target.startsWith('src/lightgbm/')),
    )
    // Guards against a vacuous pass: both faces are in use.
    for (const face of CORE_FACES) expect(intoCore.some((s) => s.target === face)).toBe(true)
    const bad = intoCore.filter((s) => !faces.has(s.target as string))
    expect(bad.map(show)).toEqual([])
  })

  it('every layer reaches another through its front door (index.ts, or a declared face)', () => {
    // The faces of each layer folder: its index.ts, and the entries package.json exports or
    // the design declares (the internal faces, the registry's adapters).
    const faces: Record<string, string[]> = {
      'src/lightgbm': CORE_FACES,
      'src/package': ['src/package/index.ts'],
      'src/ensemble': ['src/ensemble/index.ts'],
      'src/registry': [
        'src/registry/index.ts',
        'src/registry/internal.ts',
        'src/registry/postgres.ts',
        'src/registry/pglite.ts',
      ],
      'src/node': ['src/node/index.ts', 'src/node/internal.ts'],
      'src/http': ['src/http/index.ts'],
      'src/monitor': ['src/monitor/index.ts', 'src/monitor/internal.ts'],
    }
    const crossing = importsUnder(['src']).filter((s) => {
      const layer = Object.keys(faces).find((folder) => inside(s.target, folder))
      return layer !== undefined && !s.file.startsWith(`${layer}/`)
    })
    // Guards against a vacuous pass: layers do import each other.
    expect(crossing.length).toBeGreaterThan(20)
    const bad = crossing.filter((s) => {
      const layer = Object.keys(faces).find((folder) => inside(s.target, folder)) as string
      return !faces[layer].includes(s.target as string)
    })
    expect(bad.map(show)).toEqual([])
  })

  it('the package layer imports only the core, valibot, src/errors.ts and src/names.ts', () => {
    const bad = importsUnder(['src/package']).filter(
      (s) =>
        s.specifier !== 'valibot' &&
        !inside(s.target, 'src/package', 'src/lightgbm', 'src/errors.ts', 'src/names.ts'),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('the ensemble imports only the core, the package layer, the portable registry and shared modules', () => {
    const bad = importsUnder(['src/ensemble']).filter(
      (s) =>
        s.specifier !== 'valibot' &&
        (!inside(
          s.target,
          'src/ensemble',
          'src/lightgbm',
          'src/package',
          'src/registry',
          'src/errors.ts',
          'src/names.ts',
        ) ||
          inside(s.target, ...DRIVER_FILES)),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('monitoring reaches the ensemble, package and registry layers only through their front doors (the registry also through its internal face)', () => {
    const sites = importsUnder(['src/monitor'])
    expect(sites.some((s) => s.target === 'src/registry/index.ts')).toBe(true)
    const bad = sites.filter(
      (s) =>
        !inside(
          s.target,
          'src/monitor',
          'src/ensemble/index.ts',
          'src/package/index.ts',
          'src/registry/index.ts',
          'src/registry/internal.ts',
          'src/errors.ts',
        ),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('the http layer imports the portable layers (the registry and monitoring through their front doors and internal faces, no driver), hono and nothing else', () => {
    const sites = importsUnder(['src/http'])
    expect(sites.some((s) => s.specifier === 'hono')).toBe(true)
    const bad = sites.filter((s) =>
      s.target === undefined
        ? s.specifier !== 'hono' && !s.specifier.startsWith('hono/')
        : !inside(
            s.target,
            'src/http',
            'src/ensemble/index.ts',
            'src/package/index.ts',
            'src/registry/index.ts',
            'src/registry/internal.ts',
            'src/monitor/index.ts',
            'src/monitor/internal.ts',
            'src/errors.ts',
          ),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('the registry imports none of the core, package, ensemble, monitoring or http layers', () => {
    const bad = importsUnder(['src/registry']).filter((s) =>
      inside(
        s.target,
        'src/lightgbm',
        'src/package',
        'src/ensemble',
        'src/monitor',
        'src/http',
        'src/node',
        'src/cli',
      ),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('src/errors.ts, src/names.ts and src/chunks.ts import nothing but each other', () => {
    const bad = importsUnder(['src/errors.ts', 'src/names.ts', 'src/chunks.ts']).filter(
      (s) => !inside(s.target, 'src/errors.ts', 'src/names.ts', 'src/chunks.ts'),
    )
    expect(bad.map(show)).toEqual([])
  })

  it('a face for other layers offers only names another layer imports (the public entries aside)', () => {
    // Front doors that are not package entries, and the internal faces: a name here that no
    // other layer imports is either internal to its layer or belongs on a public entry.
    const faces = [
      'src/lightgbm/index.ts',
      'src/lightgbm/internal.ts',
      'src/package/index.ts',
      'src/ensemble/index.ts',
      'src/registry/internal.ts',
      'src/monitor/internal.ts',
      'src/node/internal.ts',
    ]
    const names = (list: string) =>
      list
        .split(',')
        .map((part) =>
          part
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)
            .pop(),
        )
        .filter((name): name is string => Boolean(name))
    const offered = new Map<string, Set<string>>()
    for (const face of faces) {
      const text = readFileSync(join(root, face), 'utf8')
      const set = new Set<string>()
      for (const m of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*from/gm))
        for (const n of names(m[1])) set.add(n)
      for (const m of text.matchAll(
        /^export\s+(?:async\s+)?(?:function|class|const|type|interface)\s+(\w+)/gm,
      ))
        set.add(m[1])
      offered.set(face, set)
    }
    const taken = new Map(faces.map((face) => [face, new Set<string>()]))
    for (const file of listTs(join(root, 'src'))) {
      const rel = relative(root, file)
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/^(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/gm)) {
        const target = relative(root, resolve(dirname(file), m[2]))
        if (!taken.has(target) || rel.startsWith(`${dirname(target)}/`)) continue
        for (const n of names(m[1])) taken.get(target)?.add(n)
      }
    }
    // Guards against a vacuous pass: every face is in use.
    for (const face of faces) expect(taken.get(face)?.size, face).toBeGreaterThan(0)
    const unused = faces.flatMap((face) =>
      [...(offered.get(face) ?? [])].filter((n) => !taken.get(face)?.has(n)).map((n) => `${face}: ${n}`),
    )
    expect(unused).toEqual([])
  })
})
