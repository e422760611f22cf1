// The models at a glance: one row per model name with its deployed and shadow versions,
// tier, scores, and (when the registry has them) aliases and approvals.
import type { ModelRecord } from '../../registry/index.ts'
import { scoreBar } from '../charts.ts'
import { num } from '../format.ts'
import { type Html, html } from '../html.ts'
import { approvalOf, type ModelSummary } from '../view.ts'
import { flash, type PageContext, page } from './layout.ts'

/** A status as a coloured label. */
export function statusBadge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`
}

/** A version with its scores, as a chip. */
function versionChip(ctx: PageContext, record: ModelRecord): Html {
  const approval = approvalOf(record)
  return html`<a class="chip" href="${ctx.base}/models/${encodeURIComponent(record.modelName)}#v-${record.modelVersion}">${record.modelVersion}${approval ? html` <span class="badge ${approval}">${approval}</span>` : ''}</a>`
}

function tierOf(summary: ModelSummary): string {
  const tiers = [...new Set(summary.versions.map((v) => v.tierRequirement))]
  return tiers.join(', ')
}

function best(summary: ModelSummary): ModelRecord | undefined {
  return summary.deployed[0] ?? summary.versions.at(-1)
}

/** The models page. */
export function modelsPage(ctx: PageContext, summaries: readonly ModelSummary[], error?: string): string {
  const hasAliases = summaries.some((s) => s.aliases !== undefined)
  const hasApproval = summaries.some((s) => s.versions.some((v) => approvalOf(v) !== undefined))
  const deployed = summaries.reduce((n, s) => n + s.deployed.length, 0)
  const shadow = summaries.reduce((n, s) => n + s.shadow.length, 0)
  const rows = summaries.map((s) => {
    const shown = best(s)
    const approval = shown ? approvalOf(shown) : undefined
    return html`<tr>
<th scope="row"><a href="${ctx.base}/models/${encodeURIComponent(s.name)}">${s.name}</a><div class="sub">${s.versions.length} version${s.versions.length === 1 ? '' : 's'}</div><div class="modellinks"><a href="${ctx.base}/models/${encodeURIComponent(s.name)}/report" aria-label="shadow report of ${s.name}">report</a><a href="${ctx.base}/models/${encodeURIComponent(s.name)}/drift" aria-label="drift of ${s.name}">drift</a></div></th>
<td data-label="Deployed">${s.deployed.length ? s.deployed.map((r) => versionChip(ctx, r)) : html`<span class="muted">none</span>`}</td>
<td data-label="Shadow">${s.shadow.length ? s.shadow.map((r) => versionChip(ctx, r)) : html`<span class="muted">–</span>`}</td>
<td data-label="Status">${[...new Set(s.versions.map((v) => v.status))].map(statusBadge)}</td>
<td data-label="Tier">${tierOf(s)}</td>
<td data-label="Validation" class="num">${num(shown?.validationScore ?? null)} ${scoreBar(shown?.validationScore ?? null, 'validation score')}</td>
<td data-label="Test" class="num">${num(shown?.testScore ?? null)}</td>
${hasAliases ? html`<td data-label="Aliases">${s.aliases?.size ? [...s.aliases].map(([alias, version]) => html`<span class="chip alias">${alias} → ${version}</span>`) : html`<span class="muted">–</span>`}</td>` : ''}
${hasApproval ? html`<td data-label="Approval">${approval ? html`<span class="badge ${approval}">${approval}</span>` : html`<span class="muted">–</span>`}</td>` : ''}
</tr>`
  })
  const body = html`<h1>Models</h1>${flash('error', error)}
<ul class="stats" aria-label="summary"><li><b>${summaries.length}</b> models</li><li><b>${deployed}</b> deployed versions</li><li><b>${shadow}</b> shadow</li></ul>
${
  summaries.length
    ? html`<table class="models"><caption class="sr">Registered models; scores of the deployed version (else the latest)</caption><thead><tr><th scope="col">Model</th><th scope="col">Deployed</th><th scope="col">Shadow</th><th scope="col">Statuses</th><th scope="col">Tier</th><th scope="col">Validation</th><th scope="col">Test</th>${hasAliases ? html`<th scope="col">Aliases</th>` : ''}${hasApproval ? html`<th scope="col">Approval</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`
    : html`<p class="card">No model is registered yet: <code>leafwise demo</code> registers the examples.</p>`
}`
  return page(ctx, 'Models', body, 'models')
}
