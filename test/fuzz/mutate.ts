// Mutations of model files for the parser fuzzers: byte flips, truncation, duplicated,
// deleted and swapped lines, swapped keys, hostile counts, NaN/Infinity tokens,
// enormous numbers, CRLF and BOM. Deterministic from a seeded generator, so every
// failing input can be rebuilt from (seed, index).

/** A small seeded generator (mulberry32). */
export class Random {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]
  }
  chance(p: number): boolean {
    return this.next() < p
  }
}

/** The seed of input `index` of a campaign seeded with `seed`. */
export function inputSeed(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** Hostile replacements for one number token or one whole value. */
export const HOSTILE_TOKENS = [
  '',
  '0',
  '-0',
  '1',
  '-1',
  '2',
  '-2',
  '3',
  '31',
  '32',
  '255',
  '2147483647',
  '2147483648',
  '-2147483648',
  '-2147483649',
  '4294967295',
  '4294967296',
  '9007199254740993',
  '99999999999999999999',
  '1e9',
  '1e308',
  '1e309',
  '1e400',
  '-1e400',
  '1e-400',
  '5e-324',
  '1e-35',
  '1.0000000180025095e-35',
  '-1.0000000180025095e-35',
  '1.7976931348623157e308',
  'nan',
  'NaN',
  '-nan',
  'inf',
  '-inf',
  'Infinity',
  '-Infinity',
  '+inf',
  'na',
  'null',
  '0x10',
  '0b1',
  '1_000',
  '1.5',
  '.5',
  '5.',
  '+5',
  '--1',
  '1e',
  'e1',
  '.',
  '-',
  '1,5',
  'abc',
  '\u00e9',
  '\u0000',
]

function enormousToken(random: Random): string {
  switch (random.int(5)) {
    case 0:
      return '9'.repeat(1 + random.int(5000))
    case 1:
      return `1${'0'.repeat(random.int(2000))}`
    case 2:
      return `0.${'0'.repeat(random.int(2000))}1`
    case 3:
      return `1e${random.chance(0.5) ? '-' : ''}${'9'.repeat(1 + random.int(40))}`
    default:
      return `${random.int(10)}.${'1234567890'.repeat(1 + random.int(200))}e${random.int(700) - 350}`
  }
}

function hostileToken(random: Random): string {
  const r = random.next()
  if (r < 0.65) return random.pick(HOSTILE_TOKENS)
  if (r < 0.85) return String(random.int(40) - 8)
  return enormousToken(random)
}

const latin1Decoder = (bytes: Uint8Array): string => {
  let text = ''
  for (let i = 0; i < bytes.length; i += 8192)
    text += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)))
  return text
}

function latin1Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

function utf8Encode(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

type LineMutation = (lines: string[], random: Random) => string[]
type ByteMutation = (bytes: Uint8Array, random: Random) => Uint8Array

function keyLines(lines: string[]): number[] {
  const out: number[] = []
  lines.forEach((line, i) => {
    if (line.indexOf('=') > 0 && !line.startsWith('Tree=')) out.push(i)
  })
  return out
}

function withToken(
  line: string,
  random: Random,
  token: (random: Random) => string,
  mode: 'replace' | 'insert' | 'delete',
): string {
  const eq = line.indexOf('=')
  const head = line.slice(0, eq + 1)
  const parts = line.slice(eq + 1).split(' ')
  const at = random.int(parts.length + (mode === 'insert' ? 1 : 0))
  if (mode === 'replace') parts[at] = token(random)
  else if (mode === 'insert') parts.splice(at, 0, token(random))
  else parts.splice(at, 1)
  return head + parts.join(' ')
}

const COUNT_KEYS = [
  'num_leaves',
  'num_cat',
  'max_feature_idx',
  'num_class',
  'num_tree_per_iteration',
  'is_linear',
  'label_index',
]
const STRUCTURE_KEYS = [
  'left_child',
  'right_child',
  'decision_type',
  'split_feature',
  'cat_boundaries',
  'cat_threshold',
  'num_features',
  'leaf_features',
]

/** Line-level mutations, by name (the campaign summary counts them). */
export const LINE_MUTATIONS: Record<string, LineMutation> = {
  truncateAtLine: (lines, random) => lines.slice(0, random.int(lines.length + 1)),
  deleteLine: (lines, random) => {
    const copy = lines.slice()
    copy.splice(random.int(copy.length), 1)
    return copy
  },
  duplicateLine: (lines, random) => {
    const copy = lines.slice()
    const at = random.int(copy.length)
    copy.splice(random.chance(0.5) ? at : random.int(copy.length), 0, copy[at])
    return copy
  },
  swapLines: (lines, random) => {
    const copy = lines.slice()
    const a = random.int(copy.length)
    const b = random.chance(0.5) ? Math.min(copy.length - 1, a + 1) : random.int(copy.length)
    ;[copy[a], copy[b]] = [copy[b], copy[a]]
    return copy
  },
  swapKeys: (lines, random) => {
    const keyed = keyLines(lines)
    if (keyed.length < 2) return lines
    const a = random.pick(keyed)
    const near = keyed.filter((i) => Math.abs(i - a) < 20 && i !== a)
    const b = near.length ? random.pick(near) : random.pick(keyed)
    const copy = lines.slice()
    const [ka, va] = [copy[a].slice(0, copy[a].indexOf('=')), copy[a].slice(copy[a].indexOf('='))]
    const [kb, vb] = [copy[b].slice(0, copy[b].indexOf('=')), copy[b].slice(copy[b].indexOf('='))]
    copy[a] = kb + va
    copy[b] = ka + vb
    return copy
  },
  hostileCount: (lines, random) => {
    const key = random.pick(COUNT_KEYS)
    const candidates = lines.flatMap((line, i) => (line.startsWith(`${key}=`) ? [i] : []))
    if (!candidates.length) return lines
    const copy = lines.slice()
    const at = random.pick(candidates)
    copy[at] = `${key}=${random.chance(0.5) ? hostileToken(random) : String(random.int(12) - 2)}`
    return copy
  },
  structureToken: (lines, random) => {
    const key = random.pick(STRUCTURE_KEYS)
    const candidates = lines.flatMap((line, i) => (line.startsWith(`${key}=`) ? [i] : []))
    if (!candidates.length) return lines
    const copy = lines.slice()
    const at = random.pick(candidates)
    copy[at] = withToken(
      copy[at],
      random,
      (r) => (r.chance(0.7) ? String(r.int(24) - 12) : hostileToken(r)),
      'replace',
    )
    return copy
  },
  hostileToken: (lines, random) => {
    const keyed = keyLines(lines)
    if (!keyed.length) return lines
    const copy = lines.slice()
    const at = random.pick(keyed)
    copy[at] = withToken(copy[at], random, hostileToken, 'replace')
    return copy
  },
  insertToken: (lines, random) => {
    const keyed = keyLines(lines)
    if (!keyed.length) return lines
    const copy = lines.slice()
    const at = random.pick(keyed)
    copy[at] = withToken(copy[at], random, hostileToken, 'insert')
    return copy
  },
  deleteToken: (lines, random) => {
    const keyed = keyLines(lines)
    if (!keyed.length) return lines
    const copy = lines.slice()
    const at = random.pick(keyed)
    copy[at] = withToken(copy[at], random, hostileToken, 'delete')
    return copy
  },
  hostileValue: (lines, random) => {
    const keyed = keyLines(lines)
    if (!keyed.length) return lines
    const copy = lines.slice()
    const at = random.pick(keyed)
    copy[at] = `${copy[at].slice(0, copy[at].indexOf('=') + 1)}${hostileToken(random)}`
    return copy
  },
  hugeHeaderCount: (lines, random) => {
    // A huge count with the lines that would bound it removed: sizes must come from data.
    const key = random.pick(['max_feature_idx', 'num_class', 'num_tree_per_iteration'])
    const value = random.pick(['2147483646', '2147483647', '200000000', '99999999', '1073741824'])
    return lines
      .filter(
        (line) =>
          !(random.chance(0.7) && (line.startsWith('feature_names=') || line.startsWith('tree_sizes='))),
      )
      .map((line) => (line.startsWith(`${key}=`) ? `${key}=${value}` : line))
  },
  treeNumber: (lines, random) => {
    const trees = lines.flatMap((line, i) => (line.startsWith('Tree=') ? [i] : []))
    if (!trees.length) return lines
    const copy = lines.slice()
    copy[random.pick(trees)] = `Tree=${hostileToken(random)}`
    return copy
  },
  duplicateTree: (lines, random) => {
    const trees = lines.flatMap((line, i) => (line.startsWith('Tree=') ? [i] : []))
    if (!trees.length) return lines
    const k = random.int(trees.length)
    const end = k + 1 < trees.length ? trees[k + 1] : lines.findIndex((l) => l.startsWith('end of trees'))
    if (end < 0) return lines
    const block = lines.slice(trees[k], end)
    const copy = lines.slice()
    copy.splice(end, 0, ...block)
    return renumberTrees(copy)
  },
  deleteTree: (lines, random) => {
    const trees = lines.flatMap((line, i) => (line.startsWith('Tree=') ? [i] : []))
    if (!trees.length) return lines
    const k = random.int(trees.length)
    const end = k + 1 < trees.length ? trees[k + 1] : lines.findIndex((l) => l.startsWith('end of trees'))
    if (end < 0) return lines
    const copy = lines.slice()
    copy.splice(trees[k], end - trees[k])
    return renumberTrees(copy)
  },
  longLine: (lines, random) => {
    const copy = lines.slice()
    const at = random.int(copy.length)
    copy[at] += (random.chance(0.5) ? ' 1' : '1').repeat(1 + random.int(50000))
    return copy
  },
  trailingSpace: (lines, random) => {
    const copy = lines.slice()
    const at = random.int(copy.length)
    copy[at] += random.pick([' ', '\t', '  ', '\r', '\u000b'])
    return copy
  },
}

function renumberTrees(lines: string[]): string[] {
  let n = 0
  const out = lines.map((line) => (line.startsWith('Tree=') ? `Tree=${n++}` : line))
  // Keep tree_sizes in step half of the time is not possible without sizes; drop it so
  // the renumbered file can still be a valid model.
  return out.filter((line) => !line.startsWith('tree_sizes='))
}

/** Byte-level mutations, by name. */
export const BYTE_MUTATIONS: Record<string, ByteMutation> = {
  flipBit: (bytes, random) => {
    const copy = bytes.slice()
    if (copy.length) copy[random.int(copy.length)] ^= 1 << random.int(8)
    return copy
  },
  randomByte: (bytes, random) => {
    const copy = bytes.slice()
    if (copy.length)
      copy[random.int(copy.length)] = random.pick([
        0,
        10,
        13,
        32,
        9,
        45,
        46,
        48,
        61,
        0xc3,
        0xff,
        random.int(256),
      ])
    return copy
  },
  truncateBytes: (bytes, random) => bytes.slice(0, random.int(bytes.length + 1)),
  deleteBytes: (bytes, random) => {
    const at = random.int(bytes.length + 1)
    const end = Math.min(bytes.length, at + 1 + random.int(64))
    const out = new Uint8Array(bytes.length - (end - at))
    out.set(bytes.subarray(0, at))
    out.set(bytes.subarray(end), at)
    return out
  },
  insertBytes: (bytes, random) => {
    const insert = random.pick([
      utf8Encode('\u00e9\u4e2d\ud83d\ude00'),
      new Uint8Array([0xff, 0xfe]),
      new Uint8Array([0]),
      new Uint8Array([13]),
      new Uint8Array([0xef, 0xbb, 0xbf]),
      utf8Encode('\n\n'),
      utf8Encode('='),
      utf8Encode(hostileToken(random)),
    ])
    const at = random.int(bytes.length + 1)
    const out = new Uint8Array(bytes.length + insert.length)
    out.set(bytes.subarray(0, at))
    out.set(insert, at)
    out.set(bytes.subarray(at), at + insert.length)
    return out
  },
  crlf: (bytes) => latin1Encode(latin1Decoder(bytes).replace(/\n/g, '\r\n')),
  bareCr: (bytes) => latin1Encode(latin1Decoder(bytes).replace(/\n/g, '\r')),
  bom: (bytes) => {
    const out = new Uint8Array(bytes.length + 3)
    out.set([0xef, 0xbb, 0xbf])
    out.set(bytes, 3)
    return out
  },
  doubleBom: (bytes) => {
    const out = new Uint8Array(bytes.length + 6)
    out.set([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf])
    out.set(bytes, 6)
    return out
  },
}

export const MUTATION_NAMES = [...Object.keys(LINE_MUTATIONS), ...Object.keys(BYTE_MUTATIONS)]

/** Applies 1 to 3 random mutations; returns the bytes and the names applied. */
export function mutate(original: Uint8Array, random: Random): { bytes: Uint8Array; applied: string[] } {
  let bytes = original
  const applied: string[] = []
  const count = 1 + (random.chance(0.6) ? 0 : random.int(3))
  for (let k = 0; k < count; k++) {
    // Line mutations are the most productive: weight them 3:1.
    if (random.chance(0.75)) {
      const name = random.pick(Object.keys(LINE_MUTATIONS))
      const lines = latin1Decoder(bytes).split('\n')
      bytes = latin1Encode(LINE_MUTATIONS[name](lines, random).join('\n'))
      applied.push(name)
    } else {
      const name = random.pick(Object.keys(BYTE_MUTATIONS))
      bytes = BYTE_MUTATIONS[name](bytes, random)
      applied.push(name)
    }
  }
  return { bytes, applied }
}

/**
 * A small valid model cut from a bigger one: the header, the first `keepTrees` trees
 * (a multiple of num_tree_per_iteration), `end of trees` and the trailer; tree_sizes is
 * cut to match. Keeps fuzzing fast on multi-hundred-kilobyte fixtures.
 */
export function cutModel(text: string, keepTrees: number): string {
  const lines = text.split('\n')
  const first = lines.findIndex((l) => l.startsWith('Tree='))
  const end = lines.findIndex((l) => l.startsWith('end of trees'))
  if (first < 0 || end < 0) return text
  const perIteration = Number(
    (
      lines.find((l) => l.startsWith('num_tree_per_iteration=')) ??
      lines.find((l) => l.startsWith('num_class=')) ??
      '=1'
    ).split('=')[1],
  )
  const keep = Math.max(1, Math.round(keepTrees / perIteration)) * perIteration
  const starts = lines.flatMap((l, i) => (l.startsWith('Tree=') ? [i] : []))
  if (starts.length <= keep) return text
  const header = lines
    .slice(0, first)
    .map((l) =>
      l.startsWith('tree_sizes=') ? `tree_sizes=${l.slice(11).split(' ').slice(0, keep).join(' ')}` : l,
    )
  return [...header, ...lines.slice(first, starts[keep]), ...lines.slice(end)].join('\n')
}

export { latin1Decoder as latin1Decode, latin1Encode }
