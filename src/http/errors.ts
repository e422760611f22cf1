// The one error an HTTP handler throws on purpose: a status, a stable code and a message,
// answered as `{ success: false, error: { code, message } }` (JSON) or an error page.
import { LeafwiseError } from '../errors.ts'

/** A request the app refuses, with the HTTP status to answer. */
export class HttpError extends LeafwiseError {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 413 | 500 | 503,
    code: string,
    message: string,
  ) {
    super(code, message)
    this.name = 'HttpError'
  }
}
