// The sign-in page: a key in a password field, posted once; the session cookie replaces it.
import { html } from '../html.ts'
import { flash, type PageContext, page } from './layout.ts'

/** The sign-in form; `next` is where to go after. */
export function loginPage(ctx: PageContext, next: string, error?: string): string {
  return page(
    ctx,
    'Sign in',
    html`<h1>Sign in</h1>${flash('error', error)}
<form method="post" action="${ctx.base}/login" class="card narrow">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${next}">
<p class="hint">A key with the <b>read</b> role shows the pages; <b>operate</b> also acts. Keys come from the server's key file.</p>
<button type="submit">Sign in</button>
</form>`,
  )
}
