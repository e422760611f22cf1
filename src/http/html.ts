// A tiny HTML template tag: every interpolated value is escaped unless it is already `Html`
// (another template, or `raw`); arrays are joined; null, undefined and false render nothing.

/** A piece of HTML that is safe to insert as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** `text` with the five HTML special characters escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch])
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value
  if (value === null || value === undefined || value === false) return ''
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/** Builds HTML from a template, escaping what is interpolated. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]
  return new Html(out)
}

/** Marks trusted markup (built by this module's callers, never from input) as HTML. */
export function raw(markup: string): Html {
  return new Html(markup)
}
