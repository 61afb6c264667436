// The dashboard in a real browser (Debian's chromium through playwright-core) on the real main job:
// a simulated hospital on a throwaway broker, isolated topics, a temp state folder. The page shows
// lag figures that move, a poison record's DLQ entry appears, its payload is viewed with a reason
// (audited), and replaying it takes it off the open list. A screenshot goes to test-output/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Producer } from '@platformatic/kafka';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type RunningJob, startMainJob } from '../../src/app/main-job.ts';
import { loadConfig } from '../../src/config.ts';
import { ROOT } from '../support/cli.ts';
import { isolatedTopology, testClientOptions, topicOf, uniqueSuffix, waitFor } from '../support/kafka.ts';

const run = uniqueSuffix();
const home = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));

describe('the dashboard in a browser, on the running main job', () => {
  let job: RunningJob;
  let browser: Browser;
  let page: Page;
  const topology = isolatedTopology(run);

  before(async () => {
    const config = loadConfig({ ...process.env, VIGIL_HOME: home, VIGIL_HTTP_PORT: '0', VIGIL_MLLP_PORT: '0', VIGIL_SIMULATE_RATE: '4', VIGIL_LAG_INTERVAL_MS: '1000' });
    job = await startMainJob({ ...config, topology }, () => {});
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await job?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** The lag and processed columns of every group row, as shown. */
  const groupFigures = () =>
    page.$$eval('#groups tbody tr[data-group]', (rows) => rows.map((r) => ['.lag', '.lag-seconds', '.processed'].map((c) => r.querySelector(c)?.textContent ?? '')));

  it('asks for a token, and signs in with the admin token of the first run', async () => {
    await page.goto(job.dashboardUrl);
    await page.waitForSelector('#signin:not([hidden])', { timeout: 30_000 });
    assert.equal(await page.locator('#groups tbody tr[data-group]').count(), 0, 'nothing shown without a token');
    assert.match(job.firstAdminToken ?? '', /^vgl_/);
    await page.fill('#signin-token', job.firstAdminToken ?? '');
    await page.click('#signin button');
    await page.waitForSelector('#who:text-is("local-admin (admin)")', { timeout: 30_000 });
  });

  it('shows consumer groups with a lag figure each, and figures that move while the hospital sends', async () => {
    await page.waitForSelector('#groups tbody tr[data-group="patient-timeline"]', { timeout: 60_000 });
    const first = JSON.stringify(await groupFigures());
    // Workers that keep up may show a lag of 0 at every sample: the lag must be shown, and the
    // figures (lag, or the records processed) must move; a page that stopped updating fails both.
    await waitFor('a lag figure on every group and figures that move', async () => {
      const now = await groupFigures();
      return JSON.stringify(now) !== first && now.every(([lag]) => /^[\d,]+$/.test(lag ?? ''));
    }, 90_000);
    await page.waitForSelector('#decisions tbody tr', { timeout: 10_000 });
  });

  it('shows a poison record in the DLQ, its payload only with a reason, and replays it off the open list', async () => {
    const marker = `poison-${run}`;
    const producer = new Producer({ clientId: 'vigil-test-poison', ...testClientOptions() });
    try {
      await producer.send({ messages: [{ topic: topicOf(topology, 'lab-results'), key: Buffer.from(`P-${run}`), value: Buffer.from(`not an event: ${marker}`) }] });
    } finally {
      await producer.close();
    }
    // Every group reading lab-results dead-letters it; the timeline's entry is the one to replay.
    const row = '#dlq tbody tr[data-state="open"]';
    await page.waitForSelector(`${row}:has(td:text-is("patient-timeline"))`, { timeout: 60_000 });
    const entry = page.locator(`${row}:has(td:text-is("patient-timeline"))`).first();
    const ref = (await entry.getAttribute('data-ref')) as string;
    assert.match(ref, /^\d+(:\d+)?$/);
    assert.equal(await page.locator('#dlq tbody').textContent().then((t) => t?.includes(marker)), false, 'no payload in the list');

    await entry.locator('button.open').click();
    await page.waitForSelector('#entry:not([hidden])');
    assert.equal(await page.locator('#entry-ref').textContent(), ref);
    assert.match((await page.locator('#entry-meta').textContent()) ?? '', /undecodable/);
    assert.equal(await page.locator('#payload').isHidden(), true);

    await page.fill('#payload-reason', 'checking a malformed lab feed');
    await page.click('#payload-view');
    await page.waitForSelector('#payload:not([hidden])');
    assert.match((await page.locator('#payload').textContent()) ?? '', new RegExp(marker));
    await page.waitForSelector(`#audit tbody tr:has(td:text-is("dlq.view-payload")):has(td:text-is("${ref}"))`, { timeout: 10_000 });

    await page.click('#entry-replay');
    await page.waitForSelector(`#dlq tbody tr[data-ref="${ref}"]`, { state: 'detached', timeout: 60_000 });
    await page.waitForSelector(`#audit tbody tr:has(td:text-is("dlq.replay")):has(td:text-is("${ref}"))`, { timeout: 10_000 });
    // The open entry is fetched again after the list and the audit log: wait for it, not just them.
    await page.locator('#entry-meta').filter({ hasText: /replayed by token:local-admin/ }).waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#entry-meta').textContent()) ?? '', /replayed by token:local-admin/);

    // With resolved entries shown, it is there again, marked replayed.
    await page.check('#dlq-all');
    await page.waitForSelector(`#dlq tbody tr[data-ref="${ref}"][data-state="replayed"]`, { timeout: 10_000 });
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-output', 'dashboard.png'), fullPage: true });
  });
});
