// One model: its versions with the actions each allows, and its whole history (every
// registration, status change and alias move, with who and why), newest first.

import type { ModelEvent } from '../../registry/index.ts'
import { scoreBar } from '../charts.ts'
import { num, when } from '../format.ts'
import { type Html, html } from '../html.ts'
import { allows } from '../keys.ts'
import { approvalOf, type ConsoleAction, describeEvent, type ModelSummary } from '../view.ts'
import { flash, type PageContext, page } from './layout.ts'
import { statusBadge } from './models.ts'
import { modelTabs } from './monitor.ts'

function actionLink(ctx: PageContext, name: string, action: ConsoleAction, version?: string): Html {
  const query = `action=${action.id}${version ? `&version=${encodeURIComponent(version)}` : ''}`
  return html`<a class="button small ${action.id}" href="${ctx.base}/models/${encodeURIComponent(name)}/confirm?${query}">${action.label}</a>`
}

/** The timeline page of one model. */
export function timelinePage(
  ctx: PageContext,
  summary: ModelSummary,
  events: readonly ModelEvent[] | undefined,
  actions: readonly ConsoleAction[],
  notice?: { kind: 'ok' | 'error'; text: string },
): string {
  const operate = allows(ctx.user?.role, 'operate')
  const aliasesOf = (version: string) =>
    summary.aliases ? [...summary.aliases].filter(([, v]) => v === version).map(([a]) => a) : []
  const hasApproval = summary.versions.some((v) => approvalOf(v) !== undefined)
  const versionRows = [...summary.versions].reverse().map((v) => {
    const offered = actions.filter((a) => a.perVersion && a.offered(v))
    const approval = approvalOf(v)
    return html`<tr id="v-${v.modelVersion}">
<th scope="row">${v.modelVersion}${aliasesOf(v.modelVersion).map((a) => html` <span class="chip alias">${a}</span>`)}</th>
<td data-label="Status">${statusBadge(v.status)}</td>
<td data-label="Tier">${v.tierRequirement}</td>
<td data-label="Validation" class="num">${num(v.validationScore)} ${scoreBar(v.validationScore, 'validation score')}</td>
<td data-label="Test" class="num">${num(v.testScore)}</td>
${hasApproval ? html`<td data-label="Approval">${approval ? html`<span class="badge ${approval}">${approval}</span>` : '–'}</td>` : ''}
<td data-label="Registered">${when(v.createdAt)}</td>
<td data-label="Actions" class="actions">${operate ? offered.map((a) => actionLink(ctx, summary.name, a, v.modelVersion)) : ''}</td>
</tr>`
  })
  const modelActions = operate ? actions.filter((a) => !a.perVersion && a.offered(undefined)) : []
  const history = events
    ? [...events].reverse().map(
        (e) => html`<li><time datetime="${new Date(e.createdAt).toISOString()}">${when(e.createdAt)}</time>
<div><b>${e.modelVersion}</b> ${describeEvent(e)}</div>
<div class="sub">by <span class="actor">${e.actor}</span>${e.reason ? html` · <q>${e.reason}</q>` : ''}</div></li>`,
      )
    : undefined
  const body = html`<p class="crumbs"><a href="${ctx.base}">Models</a> /</p><h1>${summary.name}</h1>
${modelTabs(ctx, summary.name, 'timeline')}
${notice ? flash(notice.kind, notice.text) : ''}
${operate ? '' : html`<p class="hint">Your key has the <b>${ctx.user?.role ?? 'api'}</b> role: actions need <b>operate</b>.</p>`}
${modelActions.length ? html`<p class="model-actions">${modelActions.map((a) => actionLink(ctx, summary.name, a))}</p>` : ''}
<h2>Versions</h2>
<table class="versions"><thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Tier</th><th scope="col">Validation</th><th scope="col">Test</th>${hasApproval ? html`<th scope="col">Approval</th>` : ''}<th scope="col">Registered</th><th scope="col"><span class="sr">Actions</span></th></tr></thead><tbody>${versionRows}</tbody></table>
<h2>History</h2>
${history ? (history.length ? html`<ol class="timeline" aria-label="history, newest first">${history}</ol>` : html`<p class="muted">No event recorded.</p>`) : html`<p class="muted">This registry keeps no history (a static manifest).</p>`}`
  return page(ctx, summary.name, body, 'models')
}

/** The confirmation of one action: what it will do, a reason, and one button. */
export function confirmPage(
  ctx: PageContext,
  name: string,
  action: ConsoleAction,
  version: string | undefined,
  explanation: string,
): string {
  const back = `${ctx.base}/models/${encodeURIComponent(name)}`
  const body = html`<p class="crumbs"><a href="${ctx.base}">Models</a> / <a href="${back}">${name}</a> /</p>
<h1>${action.label} ${name}${version ? ` ${version}` : ''}?</h1>
<form method="post" action="${back}/actions" class="card narrow confirm">
<p>${explanation}</p>
<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}">
<input type="hidden" name="action" value="${action.id}">
${version ? html`<input type="hidden" name="version" value="${version}">` : ''}
${action.id === 'canary' ? html`<label for="percent">Share of traffic (%)</label><input id="percent" name="percent" type="number" min="1" max="50" value="10">` : ''}
<label for="reason">Reason (kept in the history)</label>
<input id="reason" name="reason" maxlength="500" placeholder="why" autofocus>
<p class="hint">Recorded as done by <b>${ctx.user?.name ?? ''}</b>.</p>
<div class="row"><button type="submit" class="${action.id}">${action.label}</button> <a href="${back}" class="button secondary">Cancel</a></div>
</form>`
  return page(ctx, `${action.label} ${name}`, body, 'models')
}
