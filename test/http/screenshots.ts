// Screenshots of every console page for docs/console.md, and the figures that go with them:
// gzip size of the console's assets and pages, and how long each page takes to render
// (server) and to load (browser). Uses the same fixture as test/http/browser.test.ts: the
// example models on a throwaway embedded registry with a seeded stream of analyses in its
// prediction store (three features shifted), Debian's chromium through playwright-core.
//
//   npx tsx test/http/screenshots.ts        # writes docs/console/*.png, updates docs/console.md
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { CONSOLE_CSS, CONSOLE_ICON } from '../../src/http/assets.ts'
import { launchChromium, STREAM, startConsoleFixture } from '../support/console.ts'
import { repoRoot } from '../support/shared.ts'

const out = join(repoRoot, 'docs', 'console')
mkdirSync(out, { recursive: true })
const gz = (text: string) => gzipSync(Buffer.from(text), { level: 9 }).length
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const fixture = await startConsoleFixture()
const browser = await launchChromium()
try {
  const shots: [string, string, { width: number; height: number }][] = [
    ['models', '', { width: 1280, height: 720 }],
    ['timeline', '/models/sentiment-fusion', { width: 1280, height: 800 }],
    [
      'confirm',
      '/models/sentiment-fusion/confirm?action=promote&version=v1.0.0',
      { width: 1280, height: 600 },
    ],
    ['analyze', '/analyze?symbol=SYN25', { width: 1280, height: 900 }],
    ['report', '/models/sentiment-fusion/report', { width: 1280, height: 800 }],
    ['drift', '/models/sentiment-fusion/drift', { width: 1280, height: 900 }],
    ['models-phone', '', { width: 390, height: 844 }],
    ['analyze-phone', '/analyze?symbol=SYN25', { width: 390, height: 844 }],
    ['report-phone', '/models/sentiment-fusion/report', { width: 390, height: 844 }],
    ['drift-phone', '/models/sentiment-fusion/drift', { width: 390, height: 844 }],
  ]
  const timings: string[] = []
  const pageSizes: string[] = []
  for (const [name, path, viewport] of shots) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 })
    const page = await context.newPage()
    await page.goto(`${fixture.consoleUrl}/login`)
    if (name === 'models') await page.screenshot({ path: join(out, 'login.png') })
    await page.fill('#key', 'demo-operator-key')
    await page.click('button[type=submit]')
    await page.waitForURL(fixture.consoleUrl)
    // Warm once, then time 7 loads: server render (Server-Timing) and the browser's load event.
    const url = `${fixture.consoleUrl}${path}`
    await page.goto(url)
    const server: number[] = []
    const load: number[] = []
    let html = ''
    for (let i = 0; i < 7; i++) {
      const response = await page.goto(url)
      html = (await response?.text()) ?? ''
      const timing = /render;dur=([\d.]+)/.exec(response?.headers()['server-timing'] ?? '')
      server.push(Number(timing?.[1]))
      load.push(
        await page.evaluate(() => {
          const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[]
          return nav.loadEventEnd - nav.startTime
        }),
      )
    }
    await page.goto(url)
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true })
    if (!name.endsWith('-phone')) {
      timings.push(
        `| ${name} (\`${path || '/'}\`) | ${median(server).toFixed(1)} ms | ${median(load).toFixed(1)} ms | ${Math.max(...load).toFixed(1)} ms |`,
      )
      pageSizes.push(`| ${name} | ${kb(Buffer.byteLength(html))} | ${kb(gz(html))} |`)
    }
    await context.close()
  }
  const assets = [
    ['`console.css`', CONSOLE_CSS],
    ['`icon.svg`', CONSOLE_ICON],
  ] as const
  const assetRows = assets.map(
    ([name, text]) => `| ${name} | ${kb(Buffer.byteLength(text))} | ${kb(gz(text))} |`,
  )
  const total = assets.reduce((n, [, text]) => n + gz(text), 0)
  const section = `<!-- measured:start (test/http/screenshots.ts) -->
Measured ${new Date().toISOString().slice(0, 10)} on this machine (2 shared cores), Node ${process.versions.node}, Chromium headless, the example models on an embedded registry (PGlite) whose prediction store holds ${STREAM} analyses.

Assets (everything the pages load besides themselves; no script at all), gzip level 9:

| asset | raw | gzip |
|---|---|---|
${assetRows.join('\n')}
| **total** | | **${kb(total)}** |

Pages (the HTML of one page, SVG charts inline):

| page | raw | gzip |
|---|---|---|
${pageSizes.join('\n')}

Render and load time, median of 7 warm loads (server: time inside the app, from the
\`Server-Timing\` header; load: navigation start to the load event in the browser):

| page | server render | browser load | slowest load |
|---|---|---|---|
${timings.join('\n')}
<!-- measured:end -->`
  const docPath = join(repoRoot, 'docs', 'console.md')
  const doc = readFileSync(docPath, 'utf8')
  const updated = doc.replace(/<!-- measured:start[\s\S]*?<!-- measured:end -->/, section)
  if (updated === doc && !doc.includes(section))
    throw new Error('docs/console.md has no measured:start / measured:end markers')
  writeFileSync(docPath, updated)
  console.log(section)
} finally {
  await browser.close()
  await fixture.close()
}
