// The console's only assets: one stylesheet and one icon, served by the app itself (no
// external request, no build step). Light and dark schemes; tables turn into cards on phones.

/** The stylesheet of every page. */
export const CONSOLE_CSS = `:root{--bg:#fff;--fg:#1c2128;--muted:#5b6570;--line:#d8dee4;--card:#f6f8fa;--accent:#0b62c4;--bull:#1a7f37;--bear:#cf222e;--neu:#8c959f;--warn:#9a6700;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--card:#161b22;--accent:#4c9aff;--bull:#3fb950;--bear:#f85149;--neu:#6e7681;--warn:#d29922}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px 8px;z-index:9}
header{display:flex;flex-wrap:wrap;gap:8px;justify-content:space-between;align-items:center;padding:8px 16px;border-bottom:1px solid var(--line)}
nav{display:flex;gap:16px;align-items:center}nav a{text-decoration:none;padding:4px 0}nav a[aria-current=page]{border-bottom:2px solid var(--accent);font-weight:600}
.brand{font-weight:700;color:var(--fg)}
.session{display:flex;gap:8px;align-items:center;font-size:14px}.role{font-size:12px;border:1px solid var(--line);border-radius:9px;padding:0 6px;color:var(--muted)}
main{max-width:1180px;margin:0 auto;padding:16px}main:focus{outline:none}
footer{color:var(--muted);font-size:12px;text-align:center;padding:16px}
h1{font-size:24px;margin:8px 0 12px}h1 small{color:var(--muted);font-weight:400;font-size:16px}h2{font-size:18px;margin:20px 0 8px}h2 small{color:var(--muted);font-weight:400}h3{font-size:15px;margin:0 0 4px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:8px;border-bottom:1px solid var(--line);vertical-align:top}thead th{font-size:13px;color:var(--muted);font-weight:600}
.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.sub,.muted,.hint{color:var(--muted);font-size:13px}.sub{margin:0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.badge{display:inline-block;font-size:12px;padding:0 8px;border-radius:10px;border:1px solid currentColor;margin:0 4px 2px 0;white-space:nowrap}
.badge.deployed,.badge.approved{color:var(--bull)}.badge.shadow,.badge.pending{color:var(--warn)}.badge.deprecated,.badge.training,.badge.rejected{color:var(--muted)}.badge.validated{color:var(--accent)}
.chip{display:inline-block;padding:1px 8px;margin:0 4px 4px 0;border-radius:6px;background:var(--card);border:1px solid var(--line);text-decoration:none;white-space:nowrap;font-size:14px}.chip.alias{font-size:12px}
.stats{display:flex;gap:24px;list-style:none;padding:0;margin:0 0 12px;color:var(--muted)}.stats b{color:var(--fg);font-size:20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:0 0 12px}.narrow{max-width:520px}
label{display:block;font-weight:600;font-size:14px;margin:8px 0 4px}
input,select,textarea{font:inherit;width:100%;padding:6px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
textarea{font-family:ui-monospace,monospace;font-size:13px}
.fields{display:grid;grid-template-columns:2fr 1fr;gap:12px}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:6px 14px;margin:8px 8px 0 0;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none}
.button.secondary{background:transparent;color:var(--accent)}.button.small{padding:2px 10px;margin:2px 4px 2px 0;font-size:13px;background:transparent;color:var(--accent)}
.button.promote{background:var(--bull);border-color:var(--bull);color:#fff}.button.rollback,button.rollback{border-color:var(--warn);color:var(--warn);background:transparent}
button.link{background:none;border:0;color:var(--accent);padding:0;margin:0;font-weight:400;text-decoration:underline}
form.inline{display:inline}
.flash{padding:8px 12px;border-radius:6px;border:1px solid}.flash.ok{border-color:var(--bull)}.flash.error{border-color:var(--bear)}
.crumbs{margin:0;color:var(--muted);font-size:14px}
.timeline{list-style:none;padding:0;margin:0;border-left:2px solid var(--line)}.timeline li{position:relative;padding:4px 0 10px 16px}.timeline li:before{content:"";position:absolute;left:-6px;top:10px;width:10px;height:10px;border-radius:50%;background:var(--accent)}.timeline time{font-size:12px;color:var(--muted)}
.signal{font-size:12px;font-weight:700;padding:1px 8px;border-radius:10px;color:#fff}.signal.bullish{background:var(--bull)}.signal.bearish{background:var(--bear)}.signal.neutral{background:var(--neu)}
.columns{display:grid;grid-template-columns:3fr 2fr;gap:16px}
.vote{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin:0 0 12px}.vote.shadow{border-style:dashed}
.chart{display:block;width:100%;height:auto;margin:6px 0}.chart.prob{height:14px;max-width:420px}.chart.gauge{max-width:420px}.chart.mini{display:inline-block;width:60px;height:8px;margin:0 0 0 6px;vertical-align:middle}.chart.contrib{max-width:560px}
.chart text{font-size:12px;fill:var(--fg)}.chart .val{fill:var(--muted)}.chart .axis{stroke:var(--muted);stroke-width:1}
.chart .pos,.chart .bullish{fill:var(--bull)}.chart .neg,.chart .bearish{fill:var(--bear)}.chart .neutral{fill:var(--neu)}.chart .track{fill:var(--line)}.chart .fill,.chart .marker{fill:var(--accent)}
.legend{font-size:12px;color:var(--muted)}.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 8px;border-radius:2px}.key.bullish{background:var(--bull)}.key.bearish{background:var(--bear)}.key.neutral{background:var(--neu)}
.score{font-size:20px}
.tabs{display:flex;gap:4px;flex-wrap:wrap;border-bottom:1px solid var(--line);margin:0 0 12px}.tabs a{padding:6px 12px;text-decoration:none;border-bottom:2px solid transparent}.tabs a[aria-current=page]{border-bottom-color:var(--accent);font-weight:600}
.modellinks{font-size:13px}.modellinks a{margin-right:8px}
form.window{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:0 0 12px}form.window label{margin:0}form.window select{width:auto}form.window button{margin:0}
.notice{border-left:4px solid var(--warn)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
table.confusion{width:auto;font-size:14px}table.confusion caption{caption-side:bottom;text-align:left;font-size:12px;color:var(--muted);padding-top:4px}table.confusion th,table.confusion td{padding:4px 10px;text-align:right}table.confusion td.same{font-weight:700}
.c1{background:rgba(11,98,196,.08)}.c2{background:rgba(11,98,196,.18)}.c3{background:rgba(11,98,196,.3)}.c4{background:rgba(11,98,196,.45)}.c5{background:rgba(11,98,196,.6)}
.scroll{overflow-x:auto;max-width:100%}details{margin:8px 0}summary{cursor:pointer;color:var(--accent)}
tr.flagged th,tr.flagged td{background:rgba(207,34,46,.08)}.badge.flagged{color:var(--bear)}
h4{font-size:14px;margin:0;overflow-wrap:anywhere}.drift-feature{background:var(--card);border:1px solid var(--bear);border-radius:8px;padding:8px 10px;margin:0 0 10px}
.chart.zshift{max-width:560px}.chart.dist{max-width:360px}
.chart .calm .bar{fill:var(--neu)}.chart .flag .bar{fill:var(--bear)}.chart .flag .lbl{font-weight:700}.chart .limit{stroke:var(--warn);stroke-dasharray:4 3}
.chart .train{fill:var(--neu);fill-opacity:.35;stroke:var(--neu)}.chart .live{fill:var(--bear);fill-opacity:.3;stroke:var(--bear);stroke-width:1.5}.chart .live-line,.chart .tick{stroke:var(--bear);stroke-width:2}
.key.train{background:var(--neu)}.key.live{background:var(--bear)}
@media (max-width:720px){.columns,.fields{grid-template-columns:1fr}
table.models thead,table.versions thead,table.report thead{position:absolute;left:-999px}table.models tr,table.versions tr,table.report tr{display:block;border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:6px 10px}
table.models th,table.models td,table.versions th,table.versions td,table.report th,table.report td{display:block;border:0;padding:2px 0}
table.models td[data-label]:before,table.versions td[data-label]:before,table.report td[data-label]:before{content:attr(data-label) ": ";color:var(--muted);font-size:13px}table.report td.num{white-space:normal}}
`

/** The console's icon (a leaf), as SVG. */
export const CONSOLE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M6 26C6 12 14 5 28 4c0 15-8 22-20 22z" fill="#1a7f37"/><path d="M6 26 20 12" stroke="#fff" stroke-width="2"/></svg>`
