// The frame of every console page: one stylesheet and one icon served by the app, a skip
// link, the navigation and who is signed in. No script.
import { type Html, html } from '../html.ts'
import type { ApiKey } from '../keys.ts'

/** What every page knows about its request. */
export interface PageContext {
  /** The console's root path, e.g. `/ml/console`. */
  base: string
  /** The signed-in key, when there is one. */
  user?: ApiKey
  /** The session's CSRF token, for forms that act. */
  csrf?: string
  /** performance.now() when the request arrived. */
  started: number
}

/** The hidden CSRF field of a form. */
export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}">`
}

/** A notice at the top of a page: `ok` or `error`. */
export function flash(kind: 'ok' | 'error' | undefined, text: string | undefined): Html | '' {
  if (!kind || !text) return ''
  return html`<p class="flash ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`
}

/** A whole page. */
export function page(ctx: PageContext, title: string, body: Html, current?: 'models' | 'analyze'): string {
  const { base, user } = ctx
  const link = (href: string, label: string, id: 'models' | 'analyze') =>
    html`<a href="${base}${href}"${current === id ? html` aria-current="page"` : ''}>${label}</a>`
  const who = user
    ? html`<span class="who">${user.name} <span class="role">${user.role ?? 'api'}</span></span><form method="post" action="${base}/logout" class="inline">${csrfField(ctx)}<button type="submit" class="link">Sign out</button></form>`
    : ''
  const elapsed = (performance.now() - ctx.started).toFixed(1)
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · leafwise</title><link rel="stylesheet" href="${base}/assets/console.css"><link rel="icon" href="${base}/assets/icon.svg" type="image/svg+xml"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><nav aria-label="console"><a class="brand" href="${base}">leafwise</a>${user ? [link('', 'Models', 'models'), link('/analyze', 'Analyze', 'analyze')] : ''}</nav><div class="session">${who}</div></header>
<main id="main" tabindex="-1">${body}</main>
<footer>leafwise console · rendered in ${elapsed} ms</footer>
</body></html>`.value
}

/** An error page (401, 403, 404...). */
export function errorPage(ctx: PageContext, status: number, code: string, message: string): string {
  const login =
    status === 401 ? html`<p><a class="button" href="${ctx.base}/login">Sign in with a key</a></p>` : ''
  return page(
    ctx,
    `${status}`,
    html`<h1>${status} <small>${code}</small></h1><p class="flash error" role="alert">${message}</p>${login}<p><a href="${ctx.base}">Back to the models</a></p>`,
  )
}
