// Analyze a symbol or a pasted record: the consensus, then each vote with a chart of the
// features that pushed it most (SHAP), shadow votes beside, never counted.
import type { Analysis, Vote } from '../../ensemble/index.ts'
import type { TierRequirement } from '../../registry/index.ts'
import { contributionChart, probabilityBar, scoreGauge } from '../charts.ts'
import { modelId, num, pct } from '../format.ts'
import { type Html, html } from '../html.ts'
import { csrfField, flash, type PageContext, page } from './layout.ts'

/** What the analyze form holds and what it found. */
export interface AnalyzeView {
  symbols: readonly string[]
  tiers: readonly TierRequirement[]
  tier: TierRequirement
  symbol?: string
  record?: string
  analysis?: Analysis
  error?: string
}

function signalBadge(signal: string): Html {
  return html`<span class="signal ${signal.toLowerCase()}">${signal}</span>`
}

function voteCard(vote: Vote, shadow: boolean): Html {
  const id = modelId(vote)
  return html`<article class="vote${shadow ? ' shadow' : ''}" data-model="${id}">
<h3>${id} ${signalBadge(vote.signal)}</h3>
<p class="sub">confidence ${pct(vote.confidence)} · ${shadow ? 'shadow: not counted' : `weight ${num(vote.weight)}`} · output ${vote.prediction.map((p) => num(p, 4)).join(' / ')}</p>
${probabilityBar(vote.probabilities, `${id} probabilities`)}
${vote.topFeatures ? contributionChart(vote.topFeatures, `top SHAP contributions of ${id}`) : ''}
</article>`
}

/** The analyze page. */
export function analyzePage(ctx: PageContext, view: AnalyzeView): string {
  const { analysis } = view
  const form = html`<form method="post" action="${ctx.base}/analyze" class="card analyze-form">${csrfField(ctx)}
<div class="fields"><div><label for="symbol">Symbol</label>
<input id="symbol" name="symbol" list="symbols" value="${view.symbol ?? ''}" placeholder="${view.symbols[0] ?? 'SYMBOL'}" autocomplete="off">
<datalist id="symbols">${view.symbols.map((s) => html`<option value="${s}">`)}</datalist></div>
<div><label for="tier">Tier</label><select id="tier" name="tier">${view.tiers.map((t) => html`<option${t === view.tier ? html` selected` : ''}>${t}</option>`)}</select></div></div>
<label for="record">…or paste a record (JSON: feature name → value)</label>
<textarea id="record" name="record" rows="4" spellcheck="false" placeholder='{"rsi_14": 55.2, "volume_ratio": 1.3}'>${view.record ?? ''}</textarea>
<button type="submit">Analyze</button></form>`
  let result: Html | '' = ''
  if (analysis) {
    const c = analysis.consensus
    result = html`<section class="result" aria-label="result">
<div class="card consensus">${
      c
        ? html`<h2>Consensus ${signalBadge(c.signal)}</h2><p>score <b class="score">${c.score}</b> / 100 · confidence ${pct(c.confidence)} · tier ${analysis.tier} · generation ${analysis.generation} · ${analysis.latencyMs.toFixed(2)} ms</p>${scoreGauge(c.score)}${probabilityBar(c.probabilities, 'consensus probabilities')}<p class="legend"><span class="key bearish"></span>bearish <span class="key neutral"></span>neutral <span class="key bullish"></span>bullish</p>`
        : html`<h2>No consensus</h2><p>No deployed model of tier ${analysis.tier} voted.</p>`
    }${analysis.errors.length ? html`<p class="flash error">${analysis.errors.map((e) => `${modelId(e)}: ${e.message}`).join('; ')}</p>` : ''}</div>
<div class="columns"><div><h2>Votes <small>(${analysis.votes.length})</small></h2>${analysis.votes.map((v) => voteCard(v, false))}</div>
<div><h2>Shadow <small>(${analysis.shadowVotes.length})</small></h2>${analysis.shadowVotes.length ? analysis.shadowVotes.map((v) => voteCard(v, true)) : html`<p class="muted">No shadow model for this tier.</p>`}</div></div>
<p class="hint">Bars right of the axis pushed the model toward its vote, bars left pushed away (SHAP, in the model's raw units).</p>
</section>`
  }
  return page(ctx, 'Analyze', html`<h1>Analyze</h1>${flash('error', view.error)}${form}${result}`, 'analyze')
}
