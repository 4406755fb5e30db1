// The README's first command, seen as a visitor sees it: the demo page that `cargo xtask demo`
// serves, through trunk and its proxy to the agent server. Run by `cargo xtask test` (see
// xtask/src/smoke.rs) while the demo runs; every step says what it does, so a failure names
// the step. Exits non-zero on the first thing that is not as a visitor would expect.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const url = process.env.DEMO_URL ?? 'http://127.0.0.1:8080/';
const step = (what) => console.log(`  smoke: ${what}`);
const launcher = '[data-testid="docent-launcher"]';
const agent = '[data-testid="docent-message"][data-author="agent"]';
const input = '[data-testid="docent-input"]';
const timeout = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.DOCENT_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));

  step(`open ${url}`);
  await page.goto(url, { timeout });
  const frame = page.frameLocator('[data-testid="demo-frame"]');
  await frame.locator('[data-testid="pipeline-chart"]').waitFor({ timeout });

  // Start the demo elsewhere, so that the agent's navigate is what brings the dashboard back.
  step('the demo iframe shows the contacts page');
  await page.locator('[data-testid="demo-frame"]').evaluate((f) => { f.src = 'crm/contacts.html'; });
  await page.waitForFunction(() => document.querySelector('[data-testid="demo-frame"]')
    .contentWindow.location.pathname.endsWith('/crm/contacts.html'), null, { timeout });

  step('click the launcher and read the greeting');
  await page.click(launcher, { timeout });
  await page.locator(agent).first().waitFor({ timeout });
  assert.match(await page.locator(agent).first().textContent(), /Ava/);

  step('send "Show me the dashboard" and read the reply');
  await page.fill(input, 'Show me the dashboard');
  await page.press(input, 'Enter');
  // The agent may first react to the visitor's own move to the contacts page (the demo's
  // pageEvents), so the reply is found by its text, not by its place.
  const reply = page.locator(agent, { hasText: "Here's the dashboard!" });
  await reply.waitFor({ timeout });
  assert.equal(await reply.textContent(), "Here's the dashboard! Let me show you the pipeline.");

  step('the agent brings the demo iframe to the dashboard and highlights the pipeline');
  await frame.locator('[data-docent-highlight]').waitFor({ timeout });
  const at = await page.locator('[data-testid="demo-frame"]')
    .evaluate((f) => f.contentWindow.location.pathname);
  assert.ok(at.endsWith('/crm/dashboard.html'), `the demo is at ${at}`);

  step('the chat went through this page\'s own origin (trunk\'s proxy)');
  assert.ok(sockets.length > 0 && sockets.every((s) => s.startsWith(url.replace('http', 'ws'))),
    `sockets: ${sockets.join(', ')}`);
  assert.deepEqual(errors, [], 'console errors');
  step('all good');
} finally {
  await browser.close();
}
