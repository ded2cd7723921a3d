/**
 * The HTML report in a real browser: playwright-core driving Debian's chromium (installed by
 * .ci/run), headless as in CI. What a reader sees, as the browser computes it: alarm markers and
 * bars in their priority's colour (the legend's promise, docs/scenarios.md "Reports"), a failed run
 * opening on what failed with working links into the charts, trace lines that stay inside the page,
 * and a 1,600-alarm run drawn as a density view that a priority checkbox can filter.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { renderHtmlReport } from '../../src/harness/report/html.js';
import type { AlarmRecord, RunResult } from '../../src/harness/run/result.js';
import { syntheticResult } from './fixture.js';

/** What the functions run in the page use of the browser (this project's tsconfig has no DOM lib). */
declare const document: { getElementById(id: string): { getBoundingClientRect(): { top: number; bottom: number } } | null; documentElement: { scrollWidth: number } };
declare const window: { innerHeight: number; innerWidth: number };
declare function getComputedStyle(e: unknown): { fill: string; display: string };

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

/** The legend's colours (docs/scenarios.md, "Reports"), as CSS computes them. */
const EXPECTED_RGB = { high: 'rgb(214, 39, 40)', medium: 'rgb(240, 162, 2)', low: 'rgb(31, 143, 209)' } as const;

if (!haveChromium && process.env.CI) {
  describe('HTML report in a browser', () => {
    it('needs Debian chromium', () => {
      throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (apt-get install -y chromium); .ci/run should install it`);
    });
  });
}

/** The fixture as a failed run (exit 1), with a trace line far wider than the page. */
function failedRun(): RunResult {
  const r = syntheticResult();
  r.exitCode = 1;
  r.scenario.expectedOutcome = 'pass';
  const v = r.violations[0];
  if (v) v.context.push(`  11112000 cmd  ms-1 from=rogue auth=unsigned PROGRAM ${'rate=999 vtbi=999 '.repeat(20)}-> ERR UNAUTHORIZED`);
  return r;
}

/** 1,600 alarms over 24 h in two units, the priorities in turn. */
function busyRun(): RunResult {
  const r = syntheticResult();
  r.scenario.durationMs = 24 * 3_600_000;
  r.violations = [];
  r.expectations = [];
  r.exitCode = 0;
  r.outcome = 'pass';
  const prios = ['high', 'medium', 'low'] as const;
  const ids = { high: 'OCCLUSION_DOWN', medium: 'VTBI_COMPLETE', low: 'NEAR_END' } as const;
  r.alarms = Array.from({ length: 1600 }, (_, i): AlarmRecord => {
    const priority = prios[i % 3] ?? 'low';
    const raisedMs = i * 54_000;
    return { pumpId: `p-${i % 60}`, unit: i % 2 ? 'icu' : 'med-surg', id: ids[priority], priority, raisedMs, answeredMs: raisedMs + 30_000, endedMs: raisedMs + 90_000 };
  });
  r.pumps = Array.from({ length: 60 }, (_, i) => ({ ...r.pumps[0]!, id: `p-${i}`, unit: i % 2 ? 'icu' : 'med-surg' }));
  return r;
}

describe.skipIf(!haveChromium)(`HTML report in a browser${haveChromium ? '' : ' (skipped: /usr/bin/chromium is missing; install the Debian package chromium)'}`, () => {
  let context: BrowserContext;
  let dir: string;
  let profile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'infusim-report-'));
    profile = mkdtempSync(join(tmpdir(), 'infusim-chromium-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = async (name: string, r: RunResult): Promise<Page> => {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderHtmlReport(r));
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    return page;
  };

  /** Computed fill of every element matching `selector`, deduplicated. */
  const fills = (page: Page, selector: string): Promise<string[]> =>
    page.$$eval(selector, (els) => [...new Set(els.map((e) => getComputedStyle(e).fill))]);

  it('draws each alarm marker and bar in its priority colour, none black', async () => {
    const page = await open('colours', failedRun());
    for (const [prio, rgb] of Object.entries(EXPECTED_RGB)) {
      expect(await fills(page, `.alarm-chart .bar.prio-${prio} .marker`), `${prio} markers`).toEqual([rgb]);
      expect(await fills(page, `.alarm-chart .bar.prio-${prio} > rect`), `${prio} bars`).toEqual([rgb]);
      expect(await fills(page, `.alarm-chart .legend-item .prio-${prio} .marker`), `${prio} legend marker`).toEqual([rgb]);
    }
    const allMarkers = await fills(page, '.alarm-chart .marker');
    expect(allMarkers).not.toContain('rgb(0, 0, 0)');
    expect(allMarkers).not.toContain('rgb(34, 34, 34)');
    await page.close();
  });

  it('opens a failed run on what failed, with links into the charts and wrapped trace lines', async () => {
    const page = await open('failed', failedRun());
    // The first section of the page, visible without scrolling.
    expect(await page.$eval('body section', (s) => s.id)).toBe('failure');
    const box = await page.locator('#failure').boundingBox();
    expect(box && box.y + 40 < 900).toBe(true);
    const text = await page.locator('#failure').innerText();
    expect(text).toContain('03:05:12');
    expect(text).toContain('occlusion-announced');
    expect(text).toContain('no event lost at the gateway');
    // Its link puts the violation's mark on the alarm timeline in view.
    await page.locator('#failure a[href="#alarm-mark-1"]').click();
    await page.waitForFunction(() => {
      const r = document.getElementById('alarm-mark-1')?.getBoundingClientRect();
      return r !== undefined && r.top >= -1 && r.bottom <= window.innerHeight;
    });
    expect(await page.locator('#net-mark-1').count()).toBe(1);
    // Trace lines: people's clock times, and no line wider than its box.
    const pre = page.locator('#violation-1 pre');
    expect(await pre.innerText()).toContain('03:05:12 pump ms-1 STATE RUNNING');
    expect(await pre.innerText()).not.toContain('11112000');
    expect(await pre.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.close();
    // A run that passed opens on its header: no failure section.
    const r = syntheticResult();
    Object.assign(r, { violations: [], expectations: [], exitCode: 0, outcome: 'pass' });
    const passed = await open('pass', r);
    expect(await passed.locator('#failure').count()).toBe(0);
    await passed.close();
  });

  it('keeps 1,600 alarms readable: counts per slot in priority colours, filtered by a checkbox', async () => {
    const page = await open('busy', busyRun());
    const bars = await page.locator('.alarm-chart .bar').count();
    // Two unit lanes x 3 priorities x at most 120 slots, not 1,600 bars.
    expect(bars).toBeGreaterThan(0);
    expect(bars).toBeLessThanOrEqual(2 * 3 * 120);
    for (const [prio, rgb] of Object.entries(EXPECTED_RGB)) expect(await fills(page, `.alarm-chart .bar.prio-${prio} > rect`)).toEqual([rgb]);
    const visible = (): Promise<number> => page.$$eval('.alarm-chart .bar.prio-high', (els) => els.filter((e) => getComputedStyle(e).display !== 'none').length);
    expect(await visible()).toBeGreaterThan(0);
    await page.locator('.alarm-chart input.f-prio-high').uncheck();
    expect(await visible()).toBe(0);
    expect(await page.$$eval('.alarm-chart .bar.prio-low', (els) => els.filter((e) => getComputedStyle(e).display !== 'none').length)).toBeGreaterThan(0);
    await page.close();
  });
});
