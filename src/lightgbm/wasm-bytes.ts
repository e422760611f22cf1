// The WebAssembly binary format's encodings, shared by the kernels that generate modules
// (wasm-kernel.ts, wasm-walk.ts).

// Opcodes and types of the WebAssembly binary format (core spec 1.0 + sign-extension-free).
export const I32 = 0x7f
export const F64 = 0x7c
export const VOID = 0x40
// Opcodes as plain constants (the minifier inlines them).
export const OP_block = 0x02
export const OP_loop = 0x03
export const OP_if = 0x04
export const OP_else = 0x05
export const OP_end = 0x0b
export const OP_br = 0x0c
export const OP_brIf = 0x0d
export const OP_call = 0x10
export const OP_select = 0x1b
export const OP_localGet = 0x20
export const OP_localSet = 0x21
export const OP_localTee = 0x22
export const OP_i32Load = 0x28
export const OP_f64Load = 0x2b
export const OP_i32Load8U = 0x2d
export const OP_i32Store = 0x36
export const OP_f64Store = 0x39
export const OP_i32Const = 0x41
export const OP_f64Const = 0x44
export const OP_i32Eqz = 0x45
export const OP_i32Eq = 0x46
export const OP_i32GeS = 0x4e
export const OP_i32LtS = 0x48
export const OP_i32LtU = 0x49
export const OP_f64Ne = 0x62
export const OP_f64Lt = 0x63
export const OP_f64Gt = 0x64
export const OP_f64Le = 0x65
export const OP_i32Add = 0x6a
export const OP_i32Sub = 0x6b
export const OP_i32Mul = 0x6c
export const OP_i32RemU = 0x70
export const OP_i32And = 0x71
export const OP_i32Or = 0x72
export const OP_i32Xor = 0x73
export const OP_i32Shl = 0x74
export const OP_i32ShrU = 0x76
export const OP_f64Abs = 0x99
export const OP_f64Add = 0xa0
export const OP_i32TruncF64S = 0xaa

/** A growable byte buffer with the binary format's encodings. */
export class Bytes {
  bytes: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 16)
  length = 0
  private readonly scratch = new Float64Array(1)
  private readonly scratchBytes = new Uint8Array(this.scratch.buffer)

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return
    let size = this.bytes.length * 2
    while (size < this.length + n) size *= 2
    const bigger = new Uint8Array(size)
    bigger.set(this.bytes.subarray(0, this.length))
    this.bytes = bigger
  }
  byte(...values: number[]): this {
    this.room(values.length)
    for (const v of values) this.bytes[this.length++] = v
    return this
  }
  u32(value: number): this {
    this.room(5)
    let v = value >>> 0
    do {
      let b = v & 0x7f
      v >>>= 7
      if (v !== 0) b |= 0x80
      this.bytes[this.length++] = b
    } while (v !== 0)
    return this
  }
  i32(value: number): this {
    this.room(5)
    let v = value | 0
    for (;;) {
      const b = v & 0x7f
      v >>= 7
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
        this.bytes[this.length++] = b
        return this
      }
      this.bytes[this.length++] = b | 0x80
    }
  }
  f64(value: number): this {
    this.room(9)
    this.bytes[this.length] = OP_f64Const
    this.constant(value)
    return this
  }
  /** The 8 bytes of a double after the opcode at `length` (typed arrays are little-endian on every supported platform). */
  private constant(value: number): void {
    this.scratch[0] = value
    this.bytes.set(this.scratchBytes, this.length + 1)
    this.length += 9
  }
  /**
   * The hot part of a tree: `local.get base; f64.load offset; f64.const threshold; compare;
   * if (result f64)` in one call (most of a module's bytes).
   */
  split(base: number, offset: number, threshold: number, compare: number): void {
    this.room(24)
    const b = this.bytes
    b[this.length++] = OP_localGet
    b[this.length++] = base
    b[this.length++] = OP_f64Load
    b[this.length++] = 3
    this.u32(offset)
    b[this.length] = OP_f64Const
    this.constant(threshold)
    b[this.length++] = compare
    b[this.length++] = OP_if
    b[this.length++] = F64
  }
  op(value: number): void {
    this.room(1)
    this.bytes[this.length++] = value
  }
  append(other: Bytes): this {
    this.room(other.length)
    this.bytes.set(other.bytes.subarray(0, other.length), this.length)
    this.length += other.length
    return this
  }
  /** A section or body: its byte length (u32) then its bytes. */
  sized(other: Bytes): this {
    return this.u32(other.length).append(other)
  }
  view(): Uint8Array<ArrayBuffer> {
    return this.bytes.subarray(0, this.length)
  }
}
