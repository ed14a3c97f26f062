/**
 * The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core, on the
 * page the real `cloudtik dashboard` serves (started as a user starts it) for a real virtual
 * cluster of 1 head + 1 worker (at most 2). Through the page only: see the cluster's nodes; submit
 * a job with the form and watch its output arrive while it runs; cancel it; scale to one more
 * worker and see it join; kill a worker and see its replacement; stop the cluster. Each action is
 * confirmed in the page's dialog and shows in its events list as it starts and ends; what it did is
 * checked outside the page too (the engine's containers, the CLI). Without the token: 401.
 * Screenshots of the main views go to .test-output/dashboard/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/core/jobs/model.js';
import {
  CLI,
  ROOT,
  cli,
  cliOk,
  clusterContainers,
  eventually,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeBareDashboardCluster,
} from './helpers.js';

/** Debian's chromium package (dev/setup-all.sh installs it). */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(ROOT, '.test-output', 'dashboard');
const ws = testWorkspace('dashpage');
const CLUSTER = 'dash';
const names = ['--workspace-name', ws];
let dir: string;
let file: string;
let dashboard: ChildProcess;
let dashboardExit: Promise<number | null>;
let url: string;
let browser: Browser;
let page: Page;

/** Start `cloudtik dashboard` and read the address it prints (with its token) from its stdout. */
function startDashboard(): Promise<string> {
  dashboard = spawn(process.execPath, [CLI, 'dashboard'], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dashboardExit = new Promise((resolve) => dashboard.on('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  dashboard.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  return new Promise((resolve, reject) => {
    dashboard.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+/.exec(out);
      if (m) resolve(m[0]);
    });
    void dashboardExit.then((code) => reject(new Error(`cloudtik dashboard exited ${code}\n${out}\n${err}`)));
  });
}

/** The running workers' rows in the page's nodes table, by node id. */
async function workerRows(): Promise<{ id: string; status: string }[]> {
  const rows = page.locator('table.nodes tr[data-kind=worker]');
  const out: { id: string; status: string }[] = [];
  for (const row of await rows.all()) {
    out.push({
      id: (await row.getAttribute('data-node')) ?? '',
      status: (await row.locator('.pill').innerText()).trim(),
    });
  }
  return out;
}

async function runningWorkers(): Promise<string[]> {
  return (await clusterContainers(ws, CLUSTER))
    .filter((c) => c.Labels['cloudtik-node-kind'] === 'worker' && c.State === 'running')
    .map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id);
}

/** Click a page button, then the confirming button of the page's own dialog. */
async function confirmed(button: Locator, verb: string): Promise<void> {
  await button.click();
  const dialog = page.getByRole('dialog', { name: verb });
  await dialog.getByRole('button', { name: verb, exact: true }).click();
  await expect.poll(() => dialog.count()).toBe(0);
}

/** Wait for the events list to show an action (by its title) ending as `state`. */
async function actionEvent(title: RegExp, state: 'started' | 'done' | 'failed', ms = 60_000): Promise<void> {
  await page
    .locator('ol.events li', { hasText: title })
    .filter({ has: page.locator('.pill', { hasText: new RegExp(`^${state}$`) }) })
    .first()
    .waitFor({ timeout: ms });
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

beforeAll(async () => {
  await fsp.mkdir(SHOTS, { recursive: true });
  dir = await tempDir('dashpage');
  file = await writeBareDashboardCluster(dir, ws, CLUSTER);
  await cliOk(['start', file, '-y', ...names]);
  url = await startDashboard();
  // /dev/shm is 64 MiB in a container (dev/fresh-machine-test.sh runs the suite in one): too small for Chromium.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-dev-shm-usage'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  if (dashboard && dashboard.exitCode === null) {
    dashboard.kill('SIGINT');
    expect(await dashboardExit).toBe(0);
  }
  await cli(['stop', file, '-y', '--hard', ...names]);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('the dashboard in a browser', { timeout: 600_000 }, () => {
  it('refuses the page and the API without the token (401)', async () => {
    const origin = new URL(url).origin;
    const res = await page.goto(`${origin}/`);
    expect(res?.status()).toBe(401);
    const api = await page.goto(`${origin}/api/clusters`);
    expect(api?.status()).toBe(401);
  });

  it("lists the cluster in its workspace and shows the cluster's nodes", async () => {
    await page.goto(url);
    const card = page.locator('section.card', { hasText: ws });
    await card.getByRole('link', { name: CLUSTER, exact: true }).waitFor();
    await shot('clusters');
    await card.getByRole('link', { name: CLUSTER, exact: true }).click();
    const headIp = (await cliOk(['head-ip', file, ...names])).stdout.trim();
    const head = page.locator('table.nodes tr[data-kind=head]');
    await expect.poll(() => head.locator('td').nth(3).innerText()).toBe(headIp);
    await expect.poll(async () => (await workerRows()).map((w) => w.id)).toEqual(await runningWorkers());
    await expect.poll(async () => (await workerRows())[0]?.status, { timeout: 60_000 }).toBe('up-to-date');
    // Heartbeats arrive from both nodes and the page ages them by itself.
    await expect.poll(() => page.locator('table.nodes td.heartbeat').count()).toBe(2);
    await page.locator('.pill', { hasText: /^live$/ }).waitFor();
    // The token stays in the page's own address: no link carries it.
    const token = new URL(url).searchParams.get('token') as string;
    const hrefs = await Promise.all((await page.locator('a[href]').all()).map((a) => a.getAttribute('href')));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).not.toContain(token);
    await shot('cluster');
  });

  it('submits a job through the form, shows its output as it comes, and cancels it', async () => {
    const script = 'for i in $(seq 1 120); do echo "line $i"; sleep 1; done\n';
    await page
      .getByLabel('Job file')
      .setInputFiles({ name: 'slow.sh', mimeType: 'text/x-sh', buffer: Buffer.from(script) });
    await page.getByLabel('Arguments').fill('one "two three"');
    await confirmed(page.getByRole('button', { name: 'Submit job' }), 'Submit');
    await actionEvent(/submit slow\.sh/, 'done');
    // The page follows the new job's output: lines arrive one a second while it runs.
    const log = page.getByLabel('Job output');
    await log.getByText('line 3').waitFor({ timeout: 60_000 });
    expect(await log.innerText()).not.toContain('line 60');
    const row = page.locator('table.jobs tr.selected');
    const jobId = (await row.getAttribute('data-job')) as string;
    expect(jobId).toMatch(/^job-\d+$/);
    await expect(row.innerText()).resolves.toContain('slow.sh one two three');
    await expect.poll(() => row.locator('.pill').innerText()).toBe('running');
    await shot('job');
    await confirmed(row.getByRole('button', { name: 'Cancel' }), 'Cancel job');
    await actionEvent(new RegExp(`cancel ${jobId}`), 'done');
    await expect.poll(() => row.locator('.pill').innerText(), { timeout: 30_000 }).toBe('cancelled');
    await log.getByText(/\[cancelled/).waitFor();
    const status = JSON.parse((await cliOk(['job', 'status', file, jobId, '--json', ...names])).stdout) as JobRecord;
    expect(status).toMatchObject({ state: 'cancelled', file: 'slow.sh', args: ['one', 'two three'] });
  });

  it('scales to one more worker and shows it joining', async () => {
    const before = await runningWorkers();
    expect(before).toHaveLength(1);
    await page.getByLabel('Workers').fill('2');
    await confirmed(page.getByRole('button', { name: 'Scale', exact: true }), 'Scale');
    await actionEvent(/scale to 2 worker/, 'done');
    const joined = await eventually('a second worker up to date in the page', 240_000, async () => {
      const rows = await workerRows();
      return rows.length === 2 && rows.every((r) => r.status === 'up-to-date') ? rows : undefined;
    });
    expect(joined.map((r) => r.id).sort()).toEqual((await runningWorkers()).sort());
    expect(joined.map((r) => r.id)).toEqual(expect.arrayContaining(before));
  });

  it('kills a worker and shows its replacement', async () => {
    const [victim] = await workerRows();
    const id = victim?.id as string;
    await confirmed(page.locator(`tr[data-node="${id}"]`).getByRole('button', { name: 'Kill' }), 'Kill worker');
    await actionEvent(new RegExp(`kill worker ${id}`), 'done');
    await expect.poll(() => page.locator(`tr[data-node="${id}"]`).count(), { timeout: 60_000 }).toBe(0);
    expect(await runningWorkers()).not.toContain(id);
    // The scale request keeps the floor at 2: the controller launches a replacement.
    const replaced = await eventually('a replacement worker up to date in the page', 240_000, async () => {
      const rows = await workerRows();
      return rows.length === 2 && rows.every((r) => r.status === 'up-to-date') ? rows : undefined;
    });
    expect(replaced.map((r) => r.id)).not.toContain(id);
    expect(replaced.map((r) => r.id).sort()).toEqual((await runningWorkers()).sort());
    await shot('cluster-after');
  });

  it('stops the cluster once confirmed, and not when the dialog is left with Back', async () => {
    const nodes = (await clusterContainers(ws, CLUSTER)).length;
    await page.getByRole('button', { name: 'Stop cluster' }).click();
    await page.getByRole('dialog', { name: 'Stop cluster' }).getByRole('button', { name: 'Back' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await page.waitForTimeout(1500);
    expect(await page.locator('ol.events li', { hasText: /stop cluster/ }).count()).toBe(0);
    expect(await clusterContainers(ws, CLUSTER)).toHaveLength(nodes);
    await confirmed(page.getByRole('button', { name: 'Stop cluster' }), 'Stop cluster');
    await actionEvent(new RegExp(`stop cluster ${CLUSTER}`), 'done', 180_000);
    expect(await clusterContainers(ws, CLUSTER)).toEqual([]);
  });
});
