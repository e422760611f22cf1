/**
 * The one error base class of leafwise. Every error thrown by the library carries a
 * stable string `code` (safe to switch on) and, where one exists, the underlying `cause`.
 *
 * This module has no imports, so every layer may use it.
 */
export class LeafwiseError extends Error {
  /** Stable machine-readable code, e.g. `MODEL_PARSE_ERROR`, `INVALID_NORMALIZER`. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'LeafwiseError'
    this.code = code
  }
}
