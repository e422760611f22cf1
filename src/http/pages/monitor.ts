// One model's shadow report and drift, from leafwise/monitor's reports: per version its
// agreement with the deployed version (a confusion matrix, the mean |difference| of
// probabilities), live accuracy beside the validation score and latency; per feature its
// shift from the training statistics (z-shift and PSI), flagged features drawn one by one.
import type { DriftReport, FeatureDrift, RolloutReport, VersionReport } from '../../monitor/index.ts'
import { REPORT_SIGNALS } from '../../monitor/internal.ts'
import { distributionChart, scoreBar, zShiftChart } from '../charts.ts'
import { num, pct, when } from '../format.ts'
import { type Html, html } from '../html.ts'
import { WINDOWS } from '../monitoring.ts'
import { type PageContext, page } from './layout.ts'
import { statusBadge } from './models.ts'

export type ModelTab = 'timeline' | 'report' | 'drift'

/** The links between one model's pages. */
export function modelTabs(ctx: PageContext, name: string, current: ModelTab): Html {
  const base = `${ctx.base}/models/${encodeURIComponent(name)}`
  const tab = (id: ModelTab, href: string, label: string) =>
    html`<a href="${href}"${current === id ? html` aria-current="page"` : ''}>${label}</a>`
  return html`<nav class="tabs" aria-label="${name}">${tab('timeline', base, 'Timeline')}${tab('report', `${base}/report`, 'Shadow report')}${tab('drift', `${base}/drift`, 'Drift')}</nav>`
}

function windowForm(action: string, since: string): Html {
  const options = (WINDOWS as readonly string[]).includes(since) ? WINDOWS : [since, ...WINDOWS]
  return html`<form method="get" action="${action}" class="window"><label for="since">Window</label><select id="since" name="since">${options.map((w) => html`<option value="${w}"${w === since ? html` selected` : ''}>last ${w}</option>`)}</select><button type="submit">Show</button></form>`
}

function frame(
  ctx: PageContext,
  name: string,
  tab: ModelTab,
  title: string,
  since: string,
  body: Html,
): string {
  const self = `${ctx.base}/models/${encodeURIComponent(name)}/${tab}`
  return page(
    ctx,
    `${title} · ${name}`,
    html`<p class="crumbs"><a href="${ctx.base}">Models</a> /</p><h1>${name} <small>${title.toLowerCase()}</small></h1>
${modelTabs(ctx, name, tab)}${windowForm(self, since)}${body}`,
    'models',
  )
}

/** The page when the app has no prediction store to read. */
export function noStorePage(ctx: PageContext, name: string, tab: 'report' | 'drift', since: string): string {
  return frame(
    ctx,
    name,
    tab,
    tab === 'report' ? 'Shadow report' : 'Drift',
    since,
    html`<p class="card notice" role="status">No prediction store: this console was started without one, so it has no analyses to compare. Give <code>leafwiseApp</code> the option <code>predictions</code> (the SqlClient of the database that holds <code>ml_predictions</code>, usually the registry's) and record the ensembles' analyses with <code>createPredictionStore</code> from <code>leafwise/monitor</code>.</p>`,
  )
}

function noData(ctx: PageContext, name: string, tab: 'report' | 'drift', since: string, start: string): Html {
  const wider = WINDOWS.filter((w) => w !== since).slice(-2)
  const self = `${ctx.base}/models/${encodeURIComponent(name)}/${tab}`
  return html`<p class="card notice" role="status">No analysis of ${name} was recorded since ${when(start)} (the last ${since}): nothing to report yet. Try a wider window (${wider.map((w, i) => html`${i ? ', ' : ''}<a href="${self}?since=${w}">last ${w}</a>`)}), or check that the ensembles record their analyses in the prediction store.</p>`
}

const CONFUSION_BANDS = [0, 0.05, 0.15, 0.3, 0.5]

/** The confusion matrix of a version against the deployed one, as a small table. */
function confusionTable(report: RolloutReport, v: VersionReport): Html {
  const a = v.agreement!
  const band = (n: number) => {
    const share = a.compared ? n / a.compared : 0
    let k = 0
    while (k + 1 < CONFUSION_BANDS.length && share > CONFUSION_BANDS[k + 1]) k++
    return share === 0 ? 0 : k + 1
  }
  return html`<table class="confusion"><caption>rows: ${report.deployedVersion} (deployed), columns: ${v.modelVersion}</caption>
<thead><tr><th scope="col"><span class="sr">deployed signal</span></th>${REPORT_SIGNALS.map((s) => html`<th scope="col">${s.toLowerCase()}</th>`)}</tr></thead>
<tbody>${REPORT_SIGNALS.map((d) => html`<tr><th scope="row">${d.toLowerCase()}</th>${REPORT_SIGNALS.map((s) => html`<td class="num c${band(a.confusion[d][s])}${d === s ? ' same' : ''}">${a.confusion[d][s]}</td>`)}</tr>`)}</tbody></table>`
}

const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(2)} ms`)

function liveCell(v: VersionReport): Html {
  if (!v.live || v.live.accuracy === null) return html`<span class="muted">no outcome</span>`
  return html`${num(v.live.accuracy, 3)} ${scoreBar(v.live.accuracy, 'live accuracy')}<div class="sub">${v.live.outcomes} outcome${v.live.outcomes === 1 ? '' : 's'}</div>`
}

/** The shadow report page. */
export function reportPage(ctx: PageContext, name: string, since: string, report: RolloutReport): string {
  if (report.analyses === 0)
    return frame(
      ctx,
      name,
      'report',
      'Shadow report',
      since,
      noData(ctx, name, 'report', since, report.since),
    )
  const driftHref = `${ctx.base}/models/${encodeURIComponent(name)}/drift?since=${encodeURIComponent(since)}`
  const rows = report.versions.map(
    (v) => html`<tr id="v-${v.modelVersion}">
<th scope="row">${v.modelVersion}${v.modelVersion === report.deployedVersion ? html` <span class="chip">reference</span>` : ''}</th>
<td data-label="Status">${v.status ? statusBadge(v.status) : html`<span class="muted">not registered</span>`}</td>
<td data-label="Analyses" class="num">${[v.served && `${v.served} voted`, v.canary && `${v.canary} canary`, v.shadowed && `${v.shadowed} shadowed`].filter(Boolean).join(' · ')}</td>
<td data-label="Agreement" class="num">${v.agreement ? html`${pct(v.agreement.rate!)} ${scoreBar(v.agreement.rate, 'agreement')}<div class="sub">${v.agreement.agreed} of ${v.agreement.compared}</div>` : html`<span class="muted">–</span>`}</td>
<td data-label="Mean |Δp|" class="num">${num(v.agreement?.meanAbsProbabilityDiff ?? null, 4)}</td>
<td data-label="Live accuracy" class="num">${liveCell(v)}</td>
<td data-label="Validation" class="num">${num(v.validationScore, 4)} ${scoreBar(v.validationScore, 'validation score')}</td>
<td data-label="Latency p50 / p95 / p99" class="num">${v.latencyMs ? `${ms(v.latencyMs.p50)} / ${ms(v.latencyMs.p95)} / ${ms(v.latencyMs.p99)}` : '–'}</td>
<td data-label="Drift"><a href="${driftHref}#d-${v.modelVersion}" aria-label="drift of ${v.modelVersion}">features</a></td>
</tr>`,
  )
  const compared = report.versions.filter((v) => v.agreement)
  const body = html`<p>${report.analyses} analyses of ${name} since ${when(report.since)} · compared with <b>${report.deployedVersion ?? 'no deployed version'}</b></p>
<table class="report"><caption class="sr">Every version that voted or shadowed in the window</caption><thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Analyses</th><th scope="col">Agreement</th><th scope="col">Mean |Δp|</th><th scope="col">Live accuracy</th><th scope="col">Validation</th><th scope="col">Latency p50 / p95 / p99</th><th scope="col">Drift</th></tr></thead><tbody>${rows}</tbody></table>
<p class="hint">Agreement: analyses where the version gave the deployed version's signal. Mean |Δp|: the mean over analyses and the three signals of |P(version) − P(deployed)|. Live accuracy: outcomes recorded with <code>leafwise outcome</code> joined to the predictions. Latency: of the whole analyses the version took part in.</p>
${
  compared.length
    ? html`<h2>Against ${report.deployedVersion}</h2><div class="grid">${compared.map(
        (v) =>
          html`<article class="card agreement" data-version="${v.modelVersion}"><h3>${v.modelVersion} ${v.status ? statusBadge(v.status) : ''}</h3><p class="sub">agrees on ${pct(v.agreement!.rate!)} of ${v.agreement!.compared} analyses · mean |Δp| ${num(v.agreement!.meanAbsProbabilityDiff, 4)}</p>${confusionTable(report, v)}</article>`,
      )}</div>`
    : html`<p class="muted">No version ran beside ${report.deployedVersion ?? 'a deployed version'} in this window: nothing to compare.</p>`
}`
  return frame(ctx, name, 'report', 'Shadow report', since, body)
}

function featureTable(features: readonly FeatureDrift[]): Html {
  const sorted = [...features].sort(
    (a, b) => Number(b.flagged) - Number(a.flagged) || Math.abs(b.zShift) - Math.abs(a.zShift),
  )
  return html`<div class="scroll"><table class="features"><thead><tr><th scope="col">Feature</th><th scope="col" class="num">n</th><th scope="col" class="num">Training mean</th><th scope="col" class="num">Live mean</th><th scope="col" class="num">z-shift</th><th scope="col" class="num">Spread</th><th scope="col" class="num">PSI</th></tr></thead><tbody>${sorted.map(
    (f) =>
      html`<tr${f.flagged ? html` class="flagged"` : ''}><th scope="row">${f.feature}${f.flagged ? html` <span class="badge flagged">flagged</span>` : ''}</th><td class="num">${f.count}</td><td class="num">${num(f.trainingMean, 3)}</td><td class="num">${f.count ? num(f.liveMean, 3) : '–'}</td><td class="num">${num(f.zShift, 2)}</td><td class="num">${num(f.spread, 2)}</td><td class="num">${num(f.psi, 3)}</td></tr>`,
  )}</tbody></table></div>`
}

const CHART_ROWS = 24
const STATUS_ORDER = ['deployed', 'shadow', 'validated', 'deprecated', 'training']

/** The drift page. */
export function driftPage(
  ctx: PageContext,
  name: string,
  since: string,
  report: DriftReport,
  failed: readonly { modelVersion: string; message: string }[],
  statuses: ReadonlyMap<string, string>,
): string {
  if (report.versions.length === 0 && failed.length === 0)
    return frame(ctx, name, 'drift', 'Drift', since, noData(ctx, name, 'drift', since, report.since))
  const t = report.thresholds
  // The deployed version first, then the shadow and canary ones.
  const rank = (version: string) => STATUS_ORDER.indexOf(statuses.get(version) ?? '') >>> 0
  const ordered = [...report.versions].sort((a, b) => rank(a.modelVersion) - rank(b.modelVersion))
  const sections = ordered.map((v) => {
    const status = statuses.get(v.modelVersion)
    const byShift = [...v.features].sort((a, b) => Math.abs(b.zShift) - Math.abs(a.zShift))
    const shown = byShift.slice(0, CHART_ROWS)
    const flagged = v.features.filter((f) => f.flagged)
    return html`<section class="drift" id="d-${v.modelVersion}" aria-labelledby="h-${v.modelVersion}">
<h2 id="h-${v.modelVersion}">${v.modelVersion} ${status ? statusBadge(status) : ''}<small>${v.predictions} predictions · ${flagged.length ? `${flagged.length} flagged` : 'nothing flagged'}</small></h2>
<div class="columns"><div><h3>z-shift by feature</h3>${zShiftChart(shown, t.zShift, `z-shift of the features of ${name} ${v.modelVersion}, largest first`)}${byShift.length > shown.length ? html`<p class="hint">The ${shown.length} largest of ${byShift.length} features; all in the table.</p>` : ''}</div>
<div><h3>Flagged features</h3>${
      flagged.length
        ? flagged.map(
            (f) =>
              html`<article class="drift-feature" data-feature="${f.feature}"><h4>${f.feature}</h4>${distributionChart(f)}<p class="legend"><span class="key train"></span>training mean ${num(f.trainingMean, 3)} (std ${num(f.trainingStd, 3)}) <span class="key live"></span>live ${num(f.liveMean, 3)} (std ${num(f.liveStd, 3)}) · z ${num(f.zShift, 2)} · PSI ${num(f.psi, 3)}</p></article>`,
          )
        : html`<p class="muted">No feature moved more than ${t.zShift} training std${t.psi === null ? '' : ` or past PSI ${t.psi}`} (with at least ${t.minCount} values).</p>`
    }</div></div>
<details><summary>All ${v.features.length} features</summary>${featureTable(v.features)}</details>
</section>`
  })
  const body = html`<p>Live values of the analyses since ${when(report.since)} against each version's training statistics (normalizer.json). Flagged: |z-shift| above ${t.zShift}${t.psi === null ? '' : ` or PSI above ${t.psi}`}, with at least ${t.minCount} values. PSI compares ten bins of a normal fit of the training mean and std, so a skewed feature may show a high PSI without drifting.</p>
${failed.map((f) => html`<p class="flash error" role="alert">${f.modelVersion}: ${f.message}</p>`)}${sections}`
  return frame(ctx, name, 'drift', 'Drift', since, body)
}
