// Splits a byte stream into lines without ever holding the file as one string.
// A line is reported as a byte range; a line that spans chunks is copied once into a
// carry buffer. Handles LF and CRLF endings, a missing final newline and a UTF-8 BOM.

/** Receives one line: `bytes[start..end)` without its line terminator; `lineNumber` is 1-based. */
export type LineHandler = (bytes: Uint8Array, start: number, end: number, lineNumber: number) => void

const BOM = [0xef, 0xbb, 0xbf]

export class LineSplitter {
  private carry: Uint8Array = new Uint8Array(0)
  private carryLength = 0
  private lineNumber = 0
  /** The first bytes, held while they could still be the start of a BOM split across chunks. */
  private head: Uint8Array | undefined = new Uint8Array(0)

  constructor(private readonly onLine: LineHandler) {}

  /** Feeds the next chunk of the file. */
  push(chunk: Uint8Array): void {
    let offset = 0
    if (this.head !== undefined) {
      if (chunk.length === 0) return
      let joined = chunk
      if (this.head.length > 0) {
        joined = new Uint8Array(this.head.length + chunk.length)
        joined.set(this.head)
        joined.set(chunk, this.head.length)
      }
      let bomPrefix = true
      for (let i = 0; i < 3 && i < joined.length; i++) if (joined[i] !== BOM[i]) bomPrefix = false
      if (joined.length < 3 && bomPrefix) {
        this.head = joined
        return
      }
      this.head = undefined
      chunk = joined
      if (joined.length >= 3 && bomPrefix) offset = 3
    }
    const length = chunk.length
    while (offset < length) {
      const newline = chunk.indexOf(10, offset)
      if (newline < 0) {
        this.append(chunk, offset, length)
        return
      }
      if (this.carryLength > 0) {
        this.append(chunk, offset, newline)
        this.emit(this.carry, 0, this.carryLength)
        this.carryLength = 0
      } else {
        this.emit(chunk, offset, newline)
      }
      offset = newline + 1
    }
  }

  /** Ends the file: emits a last line that had no final newline. */
  end(): number {
    if (this.head !== undefined && this.head.length > 0) {
      // A file of one or two bytes that begin like a BOM: they are data.
      const head = this.head
      this.head = undefined
      this.push(head)
    }
    if (this.carryLength > 0) {
      this.emit(this.carry, 0, this.carryLength)
      this.carryLength = 0
    }
    return this.lineNumber
  }

  private emit(bytes: Uint8Array, start: number, end: number): void {
    if (end > start && bytes[end - 1] === 13) end--
    this.lineNumber++
    this.onLine(bytes, start, end, this.lineNumber)
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    const needed = this.carryLength + (end - start)
    if (needed > this.carry.length) {
      const grown = new Uint8Array(Math.max(needed, this.carry.length * 2, 1024))
      grown.set(this.carry.subarray(0, this.carryLength))
      this.carry = grown
    }
    this.carry.set(chunk.subarray(start, end), this.carryLength)
    this.carryLength = needed
  }
}

// Helpers for one line's bytes.

// ignoreBOM keeps a U+FEFF inside the file as text: only the file's first bytes may be a BOM
// (LineSplitter drops that one); a BOM before a header key must not make the key valid.
export const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

/** bytes[start..end) as Latin-1 text (keys, tree numbers: ASCII in any valid file). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = ''
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i])
  return text
}

/** True when bytes[start..end) begins with the ASCII `prefix`. */
export function startsWith(bytes: Uint8Array, start: number, end: number, prefix: string): boolean {
  if (end - start < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix.charCodeAt(i)) return false
  return true
}
