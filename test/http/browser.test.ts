// The console in a real headless browser (Debian's chromium, driven by playwright-core):
// every page loads with no console error, an analyze draws one chart per vote, the drift page
// draws one chart per flagged feature of the fixture's shifted stream, a promote clicked in
// the console changes the registry and the timeline, and a read key cannot act.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  browserRequired,
  CHROMIUM,
  type ConsoleFixture,
  hasChromium,
  launchChromium,
  startConsoleFixture,
} from '../support/console.ts'

it('Chromium is installed where the browser tests look for it (required in CI)', () => {
  if (browserRequired) expect(hasChromium, `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true)
})

describe.skipIf(!hasChromium)('console in Chromium', () => {
  let fixture: ConsoleFixture
  let browser: Browser

  beforeAll(async () => {
    ;[fixture, browser] = await Promise.all([startConsoleFixture(), launchChromium()])
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await fixture?.close()
  })

  /** A new browser session signed in with `key`; collects console errors and failed requests. */
  async function session(key: string, viewport = { width: 1280, height: 900 }) {
    const context: BrowserContext = await browser.newContext({ viewport })
    const page: Page = await context.newPage()
    const errors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(String(error)))
    page.on('requestfailed', (request) => {
      // A request the browser abandons because the test moved on to the next page (the icon
      // of a page left at once, on a loaded machine) is not a failure of the page.
      if (request.failure()?.errorText === 'net::ERR_ABORTED') return
      errors.push(`failed: ${request.url()} (${request.failure()?.errorText})`)
    })
    page.on('request', (request) => {
      if (!request.url().startsWith(fixture.served.url)) errors.push(`external request: ${request.url()}`)
    })
    await page.goto(fixture.consoleUrl)
    await page.fill('#key', key)
    await page.click('button[type=submit]')
    await page.waitForURL(fixture.consoleUrl)
    return { context, page, errors }
  }

  it('every page loads with no console error and no request outside the app, on a laptop and a phone', async () => {
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const { context, page, errors } = await session('demo-operator-key', viewport)
      const paths = [
        '',
        '/models/sentiment-fusion',
        '/models/early-signal',
        '/models/price-prediction',
        '/models/sentiment-fusion/confirm?action=promote&version=v1.0.0',
        '/analyze',
        '/analyze?symbol=SYN25',
        '/models/sentiment-fusion/report',
        '/models/sentiment-fusion/drift',
        '/models/early-signal/drift?since=7d',
        '/models/price-prediction/report?since=1ms',
      ]
      for (const path of paths) {
        const response = await page.goto(`${fixture.consoleUrl}${path}`)
        expect(response?.status(), path).toBe(200)
        await expect(page.locator('h1').first().textContent()).resolves.toBeTruthy()
        // No horizontal scrolling: the page fits the viewport.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
        expect(overflow, `${path} at ${viewport.width}px`).toBeLessThanOrEqual(0)
      }
      await page.goto(`${fixture.consoleUrl}/login`)
      expect(errors).toEqual([])
      await context.close()
    }
  }, 120_000)

  it('is usable from the keyboard: skip link first, then the navigation', async () => {
    const { context, page } = await session('demo-viewer-key')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
    await page.goto(`${fixture.consoleUrl}/analyze`)
    await page.focus('#symbol')
    await page.keyboard.type('SYN41')
    await page.keyboard.press('Enter')
    await page.waitForSelector('article.vote')
    expect(await page.locator('section.result h2').first().textContent()).toMatch(/Consensus/)
    await context.close()
  }, 60_000)

  it('an analyze renders the consensus and one chart per vote, shadow votes beside', async () => {
    const { context, page, errors } = await session('demo-operator-key')
    await page.click('nav >> text=Analyze')
    await page.fill('#symbol', 'SYN25')
    await page.selectOption('#tier', 'enterprise')
    await page.click('form.analyze-form button[type=submit]')
    await page.waitForSelector('section.result')
    const votes = page.locator('article.vote:not(.shadow)')
    const shadow = page.locator('article.vote.shadow')
    expect(await votes.count()).toBe(3)
    expect(await shadow.count()).toBe(1)
    expect(await shadow.getAttribute('data-model')).toBe('sentiment-fusion/v1.0.0')
    for (const card of [...(await votes.all()), ...(await shadow.all())]) {
      expect(await card.locator('svg.chart.contrib').count()).toBe(1)
      expect(await card.locator('svg.chart.contrib rect').count()).toBeGreaterThan(0)
    }
    expect(await page.locator('.consensus svg.chart.gauge').count()).toBe(1)
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('the drift page draws one chart per flagged feature of the shifted stream; the window is chosen from the keyboard', async () => {
    const { context, page, errors } = await session('demo-viewer-key')
    // From the models list to the model's report, then its drift tab.
    await page.click('a[aria-label="shadow report of sentiment-fusion"]')
    await page.waitForSelector('table.report')
    expect(await page.locator('article.agreement[data-version="v1.0.0"] table.confusion td').count()).toBe(9)
    await page.click('nav.tabs >> text=Drift')
    await page.waitForSelector('section.drift')
    const deployed = page.locator('section#d-v1\\.1\\.0')
    const charts = deployed.locator('article.drift-feature')
    expect(
      (await charts.evaluateAll((list) => list.map((a) => a.getAttribute('data-feature')))).sort(),
    ).toEqual([...fixture.shifted].sort())
    for (const chart of await charts.all()) {
      expect(await chart.locator('svg.chart.dist path.live').count()).toBe(1)
      // Drawn: the live curve has a size on the page.
      const box = await chart.locator('svg.chart.dist').boundingBox()
      expect(box && box.width > 100 && box.height > 20).toBe(true)
    }
    expect(await deployed.locator('svg.chart.zshift g.flag').count()).toBe(fixture.shifted.length)
    // The flagged rows of the table, once opened from the keyboard.
    await deployed.locator('summary').focus()
    await page.keyboard.press('Enter')
    expect(await deployed.locator('table.features tr.flagged').count()).toBe(fixture.shifted.length)
    await page.focus('#since')
    await page.selectOption('#since', '7d')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.waitForURL(/drift\?since=7d/)
    expect(await page.locator('#since').inputValue()).toBe('7d')
    expect(await page.locator('article.drift-feature').count()).toBeGreaterThanOrEqual(fixture.shifted.length)
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)

  it('a read key sees no action and is refused when it tries one anyway', async () => {
    const { context, page } = await session('demo-viewer-key')
    await page.goto(`${fixture.consoleUrl}/models/sentiment-fusion`)
    expect(await page.locator('a.button.promote').count()).toBe(0)
    expect(await page.textContent('main')).toMatch(/actions need operate/)
    const confirm = await page.goto(
      `${fixture.consoleUrl}/models/sentiment-fusion/confirm?action=promote&version=v1.0.0`,
    )
    expect(confirm?.status()).toBe(403)
    // The same form the console would post, with this session's own CSRF token.
    await page.goto(`${fixture.consoleUrl}/models/sentiment-fusion`)
    const posted = page.waitForResponse(
      (r) => r.url().endsWith('/actions') && r.request().method() === 'POST',
    )
    await page.evaluate(() => {
      const token = (document.querySelector('input[name=_csrf]') as HTMLInputElement).value
      const form = document.createElement('form')
      form.method = 'post'
      form.action = `${location.pathname}/actions`
      for (const [name, value] of Object.entries({ _csrf: token, action: 'promote', version: 'v1.0.0' })) {
        const input = document.createElement('input')
        input.type = 'hidden'
        input.name = name
        input.value = value
        form.append(input)
      }
      document.body.append(form)
      form.submit()
    })
    const status = (await posted).status()
    expect(status).toBe(403)
    const deployed = await fixture.registry.listModels({ modelName: 'sentiment-fusion', status: 'deployed' })
    expect(deployed.success && deployed.data.map((m) => m.modelVersion)).toEqual(['v1.1.0'])
    await context.close()
  }, 60_000)

  it('a promote clicked in the console changes the registry, the timeline and the serving ensembles', async () => {
    const { context, page, errors } = await session('demo-operator-key')
    await page.click('a[href$="/models/sentiment-fusion"]')
    await page.waitForSelector('h1:text("sentiment-fusion")')
    await page.click('#v-v1\\.0\\.0 a.button.promote')
    await page.waitForSelector('form.confirm')
    expect(await page.textContent('h1')).toBe('Promote sentiment-fusion v1.0.0?')
    await page.fill('#reason', 'shadow agreed for a week')
    await page.click('form.confirm button[type=submit]')
    await page.waitForURL(/done=promote/)
    expect(await page.textContent('.flash.ok')).toMatch(/Promote v1\.0\.0: done, recorded as operator/)
    const deployed = await fixture.registry.listModels({ modelName: 'sentiment-fusion', status: 'deployed' })
    expect(deployed.success && deployed.data.map((m) => m.modelVersion)).toEqual(['v1.0.0'])
    expect(await page.textContent('#v-v1\\.0\\.0 .badge')).toBe('deployed')
    expect(await page.textContent('#v-v1\\.1\\.0 .badge')).toBe('deprecated')
    const newest = page.locator('ol.timeline li').first()
    expect(await newest.textContent()).toMatch(/v1\.\d\.0 .*→ (deployed|deprecated)/)
    const entries = await page.locator('ol.timeline li').allTextContents()
    const promoted = entries.find((e) => /v1\.0\.0 shadow → deployed/.test(e))
    expect(promoted).toMatch(/by operator · shadow agreed for a week/)
    // The app's ensembles watch the registry: the promoted version serves without a restart.
    let serving: string[] = []
    for (const started = Date.now(); Date.now() - started < 20_000; await page.waitForTimeout(200)) {
      const health = await (await fixture.app.request('/api/health')).json()
      serving = health.data.tiers.enterprise.models
      if (serving.includes('sentiment-fusion/v1.0.0')) break
    }
    expect(serving).toContain('sentiment-fusion/v1.0.0')
    expect(serving).not.toContain('sentiment-fusion/v1.1.0')
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)
})
