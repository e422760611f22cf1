// Reading a package's JSON files: UTF-8 (a leading BOM is accepted and dropped), then
// JSON.parse, with errors that name the file, line and column.
import { PackageError, type PackageErrorCode } from './errors.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Decodes a package file as UTF-8 text, dropping a leading byte-order mark. */
export function decodeText(
  bytes: Uint8Array,
  where: { package: string; file: string },
  code: PackageErrorCode,
): string {
  try {
    // ignoreBOM: false makes TextDecoder drop a leading U+FEFF itself.
    return utf8.decode(bytes)
  } catch (cause) {
    throw new PackageError(code, 'is not valid UTF-8 text', where, { cause })
  }
}

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/** A short reason for a JSON syntax error at `offset`, with a hint for trailing commas. */
function syntaxReason(text: string, offset: number | undefined, engineMessage: string): string {
  if (offset === undefined) return engineMessage
  const { line, column } = lineColumn(text, offset)
  let before = offset - 1
  while (before >= 0 && /\s/.test(text[before])) before--
  const next = text[offset]
  const trailingComma = text[before] === ',' && (next === '}' || next === ']')
  const reason = trailingComma
    ? `a trailing comma before '${next}'`
    : offset >= text.length
      ? 'the text ends early'
      : `unexpected '${next}'`
  return `${reason} at line ${line}, column ${column}`
}

/**
 * Parses a package JSON file. JSON.parse defines a `__proto__` key as an ordinary own
 * property (it never calls the prototype setter), and the schemas copy values into fresh
 * objects or Maps, so no key of the file can reach `Object.prototype`.
 */
export function parseJsonFile(
  bytes: Uint8Array,
  where: { package: string; file: string },
  code: PackageErrorCode,
): unknown {
  const text = decodeText(bytes, where, code)
  try {
    return JSON.parse(text)
  } catch (cause) {
    const engineMessage = cause instanceof Error ? cause.message : String(cause)
    const position = /position (\d+)/.exec(engineMessage)
    const offset = position ? Number(position[1]) : text.trim() === '' ? text.length : undefined
    throw new PackageError(code, `is not valid JSON: ${syntaxReason(text, offset, engineMessage)}`, where, {
      cause,
    })
  }
}
