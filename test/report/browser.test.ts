import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { chartElementId } from '../../src/report/html.js';
import { buildReport, chartsOf } from '../../src/report/report-model.js';
import { writeReport } from '../../src/report/write-report.js';
import { zooStudy } from './rows.js';

/**
 * Opens a generated report in a real browser: Debian's Chromium driven by playwright-core (which downloads
 * nothing). A missing browser fails the test rather than skipping it, so CI cannot pass without looking.
 */
const CHROMIUM = process.env.ROBUSTSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** What the test uses of the page's ECharts global. */
interface EChartsGlobal {
  getInstanceByDom(el: HTMLElement): { convertToPixel(finder: { seriesIndex: number }, value: number[]): [number, number] };
}
/** The page script's printed chart width (page-script.ts). */
const PRINT_WIDTH = 680;

describe('the report in a browser', () => {
  it('draws every chart, offline, without console errors, on screen and for print; saves report.png', async (t) => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium is not installed at ${CHROMIUM}. Install it with: apt-get update && apt-get install -y chromium ` +
        '(or set ROBUSTSCOPE_CHROMIUM to a Chromium or Chrome executable). Do not use "npx playwright install".',
    );
    // Kept after the test (report, tables and screenshot) so a person can look at them.
    const out = resolve(process.env.ROBUSTSCOPE_REPORT_OUT ?? join(tmpdir(), 'robustscope-report-browser-test'));
    await mkdir(out, { recursive: true });
    const data = zooStudy();
    const { html } = await writeReport(out, data);
    const charts = chartsOf(buildReport(data)).map(chartElementId);
    assert.ok(charts.length >= 10, `${charts.length} charts`);

    const profile = await mkdtemp(join(tmpdir(), 'robustscope-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (r.url() !== pathToFileURL(html).href) problems.push(`request: ${r.url()}`);
      });
      await page.goto(pathToFileURL(html).href);
      await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts'), undefined, { timeout: 30_000 });
      assert.equal(await page.getAttribute('html', 'data-charts'), String(charts.length));

      const drawn = async () =>
        page.evaluate((ids) => {
          return ids.map((id) => {
            const el = document.getElementById(id);
            const svg = el?.querySelector('svg');
            const box = svg?.getBoundingClientRect();
            // Marks: the paths and texts ECharts drew (axes, points, cells, labels).
            return { id, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, text, rect').length ?? 0 };
          });
        }, charts);
      for (const c of await drawn()) {
        assert.ok(c.width > 300 && c.height > 200, `${c.id} is ${c.width} x ${c.height}`);
        assert.ok(c.marks > 20, `${c.id} has ${c.marks} marks`);
      }
      const cells = await page.evaluate(() => document.querySelectorAll('[id^="chart-transfer-"] svg path').length);
      assert.ok(cells >= 12 * 11, `the heatmap draws every off-diagonal cell (${cells} paths)`);

      // Tooltips give each cell's counts: hover the first source's cell for the second target.
      const heatmap = charts.find((id) => id.startsWith('chart-transfer-'))!;
      await page.locator(`#${heatmap}`).scrollIntoViewIfNeeded();
      const [x, y] = await page.evaluate((id) => {
        const el = document.getElementById(id)!;
        const box = el.getBoundingClientRect();
        const [cx, cy] = (window as unknown as { echarts: EChartsGlobal }).echarts.getInstanceByDom(el).convertToPixel({ seriesIndex: 0 }, [1, 0]);
        return [box.left + cx, box.top + cy];
      }, heatmap);
      await page.mouse.move(x, y);
      await page.waitForFunction((id) => /transferred \d+ of \d+ evaluated/.test(document.getElementById(id)!.innerText), heatmap);
      await page.mouse.move(0, 0);

      await page.screenshot({ path: join(out, 'report.png'), fullPage: true });

      // Print: the page redraws its charts at the printed width, and nothing overflows it.
      await page.emulateMedia({ media: 'print' });
      await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
      for (const c of await drawn()) assert.equal(c.width, PRINT_WIDTH, `${c.id} printed at ${c.width} px`);
      await page.pdf({ path: join(out, 'report.pdf'), format: 'A4' });
      await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));

      assert.deepEqual(problems, []);
      t.diagnostic(`report, report.png and report.pdf in ${out}`);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});
