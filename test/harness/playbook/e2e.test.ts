/**
 * The station's Incident response card in a real browser (playwright-core driving Debian's
 * chromium, as test/harness/train/e2e.test.ts): the shipped drill incident-response, its clock
 * moved by hand. After the scan's alert (15m) the trainee carries out the playbook from the card,
 * step by step, and each step is met (deadlines 20m, 24m, 29m: training.test.ts works them out).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { loadTrainingFile } from '../../../src/harness/train/schema.js';
import { startTrainingServer, type TrainingServer } from '../../../src/harness/train/server.js';
import { TrainingSession } from '../../../src/harness/train/session.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const MIN = 60_000;

if (!haveChromium && process.env.CI) {
  describe('incident card in a browser', () => {
    it('needs Debian chromium', () => {
      throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
    });
  });
}

describe.skipIf(!haveChromium)('the incident response card in a browser', () => {
  let context: BrowserContext;
  let server: TrainingServer;
  let session: TrainingSession;
  let webDir: string;
  let profile: string;
  let wall = 0;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'infusim-web-'));
    execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.web.json', '--outDir', webDir], { stdio: 'inherit' });
    session = new TrainingSession(loadTrainingFile('scenarios/training/incident-response.yaml'), { wallNowMs: () => wall, instructorKey: 'e2e-i', traineeKey: 'e2e-t' });
    server = await startTrainingServer(session, { port: 0, webDir, tickMs: 100 });
    profile = mkdtempSync(join(tmpdir(), 'infusim-chromium-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  });

  const carryOut = async (page: Page, action: string, target: string | undefined, expected: string): Promise<void> => {
    await page.selectOption('#incident-action', action);
    if (target !== undefined) await page.fill('#incident-target', target);
    await page.click('#incident-go');
    await page.locator('#station-msg .msg.ok', { hasText: expected }).waitFor({ timeout: 60_000 });
  };

  it('carries out the playbook from the station, and the steps are met', async () => {
    const page = await context.newPage();
    await page.goto(server.traineeUrl);
    await page.waitForURL(/#\/station$/);
    await page.locator('#incident').waitFor({ timeout: 60_000 });
    expect(await page.locator('#incident-playbook option').allTextContents()).toEqual(['ward-rogue']);
    wall = 16 * MIN;
    await expect.poll(() => session.playbooks?.runs[0]?.trigger?.atMs, { timeout: 60_000 }).toBe(15 * MIN);
    await carryOut(page, 'block-client', 'scanner', 'block-client scanner: done (step 1, in order)');
    wall = 18 * MIN;
    await carryOut(page, 'isolate-segment', 'seg-wards', 'isolate-segment seg-wards: done (step 2, in order)');
    // notify-vendor takes no target: the card disables the field.
    await page.selectOption('#incident-action', 'notify-vendor');
    expect(await page.locator('#incident-target').isDisabled()).toBe(true);
    await carryOut(page, 'notify-vendor', undefined, 'notify-vendor: done (step 3, in order)');
    expect(session.objectives.states.map((o) => o.status)).toEqual(['met', 'met', 'met']);
  });
});
