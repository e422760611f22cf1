// The trailer after the trees: feature importances, the parameters section and the
// pandas_categorical line, as GBDT::SaveModelToString writes them. LightGBM's loader needs
// none of them to predict; they are kept as the model's facts (ModelInfo).

import { fail, type ModelLocation } from './errors.ts'
import type { ModelInfo } from './header.ts'
import { startsWith, utf8 } from './lines.ts'
import { isOpenParametersEnd } from './old-layout.ts'

/** Where in the trailer a line falls. */
enum Part {
  Other,
  Importances,
  Parameters,
}

/** True for a line that opens a trailer section (old files have no `end of trees` before it). */
export function isTrailerHeader(bytes: Uint8Array, start: number, end: number): boolean {
  return (
    startsWith(bytes, start, end, 'feature_importances:') ||
    startsWith(bytes, start, end, 'feature importances:') ||
    startsWith(bytes, start, end, 'parameters:') ||
    startsWith(bytes, start, end, 'pandas_categorical:')
  )
}

/** Reads the trailer's lines; `complete` adds what it read to the header's facts. */
export class TrailerReader {
  private part = Part.Other
  private readonly importances: { name: string; value: number }[] = []
  private readonly parameters: Record<string, string> = Object.create(null)
  private pandasCategoricalText: string | undefined
  /** The file has an 'end of trees' line (LightGBM >= 2.2.0 writes one). */
  sawEndOfTrees = false

  constructor(private readonly source: string | undefined) {}

  private fail(message: string, location: ModelLocation = {}): never {
    fail(message, { ...location, source: this.source })
  }

  /** True inside the parameters section, which must end with `end of parameters`. */
  get inParameters(): boolean {
    return this.part === Part.Parameters
  }

  /** The header's facts with the trailer's (importances, parameters, pandas categories). */
  complete(info: ModelInfo): ModelInfo {
    info.featureImportances = this.importances
    info.parameters = this.parameters
    info.pandasCategoricalText = this.pandasCategoricalText
    info.pandasCategorical = parsePandasCategorical(this.pandasCategoricalText)
    return info
  }

  /** One line after the trees (from `end of trees`, or the first section header of an old file, on). */
  line(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (this.part === Part.Parameters) {
      const text = utf8.decode(bytes.subarray(start, end))
      if (text === 'end of parameters') {
        this.part = Part.Other
        return
      }
      if (isOpenParametersEnd(text, this.sawEndOfTrees)) {
        this.pandasCategoricalText = text.slice('pandas_categorical:'.length)
        this.part = Part.Other
        return
      }
      // `[key: value]`; values are free text (paths, JSON-like lists): never parsed.
      if (text.startsWith('[') && text.endsWith(']')) {
        const colon = text.indexOf(':')
        if (colon > 0) this.parameters[text.slice(1, colon)] = text.slice(colon + 1, -1).trimStart()
      }
      return
    }
    if (start === end) {
      if (this.part === Part.Importances) this.part = Part.Other
      return
    }
    const text = utf8.decode(bytes.subarray(start, end))
    if (text === 'feature_importances:' || text === 'feature importances:') {
      this.part = Part.Importances
      return
    }
    if (text === 'parameters:') {
      this.part = Part.Parameters
      return
    }
    if (text.startsWith('pandas_categorical:')) {
      this.pandasCategoricalText = text.slice('pandas_categorical:'.length)
      this.part = Part.Other
      return
    }
    if (text.startsWith('Tree=')) this.fail("a Tree= block after 'end of trees'", { line })
    if (this.part === Part.Importances) {
      const eq = text.lastIndexOf('=')
      const value = Number(text.slice(eq + 1))
      if (eq > 0 && Number.isFinite(value)) this.importances.push({ name: text.slice(0, eq), value })
    }
    // Anything else after the trees is ignored, as LightGBM does.
  }
}

/** The pandas_categorical JSON, when it is a list of lists (the only shape LightGBM writes). */
function parsePandasCategorical(text: string | undefined): unknown[][] | null {
  if (text === undefined) return null
  try {
    const value: unknown = JSON.parse(text)
    if (Array.isArray(value) && value.every((column) => Array.isArray(column))) return value as unknown[][]
  } catch {
    // Not JSON: kept as text only.
  }
  return null
}
