// The agent drives the demo: page commands run in the iframe beside the chat, the visitor
// sees each step and can stop it, the visitor's own clicks reach the server, and a hostile
// batch of commands is refused or bounded with the chat still usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { sharedServerAndBrowser, startServer, openPage, sel, artifacts, say, openChatAt } from './harness.mjs';

const shared = sharedServerAndBrowser();

const start = (page, url = shared.server.url) => openChatAt(page, url);

const demo = (page) => page.frameLocator('[data-docent-demo]');

async function waitForTourEnd(page) {
  await page.waitForFunction(() => !document.querySelector('.docent-status--tour'), null, { timeout: 20000 });
}

test('"Show me the dashboard": the demo opens the dashboard and highlights the pipeline chart', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await start(page);
  // Start elsewhere so the navigation is real.
  await page.locator('[data-docent-demo]').evaluate((f) => { f.src = '/crm/settings.html'; });
  await demo(page).locator('#workspace-name').waitFor();

  await say(page, 'Show me the dashboard');
  await page.locator('.docent-status--tour').waitFor();
  const overlay = demo(page).locator('[data-docent-highlight]');
  await overlay.waitFor({ timeout: 15000 });
  const frameUrl = await page.locator('[data-docent-demo]').evaluate((f) => f.contentWindow.location.pathname);
  assert.equal(frameUrl, '/crm/dashboard.html');
  await page.waitForTimeout(700); // let the smooth scroll settle
  const chartBox = await demo(page).locator('[data-testid="pipeline-chart"]').boundingBox();
  const overlayBox = await overlay.boundingBox();
  for (const side of ['x', 'y', 'width', 'height']) {
    assert.ok(Math.abs(chartBox[side] - overlayBox[side]) <= 1, `overlay ${side} ${overlayBox[side]} vs chart ${chartBox[side]}`);
  }
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the host page was scrolled');
  await page.screenshot({ path: path.join(artifacts, 'tour-dashboard.png') });
  await waitForTourEnd(page);
  // The highlight clears itself after a while.
  await overlay.waitFor({ state: 'detached', timeout: 8000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('"Create a deal": the form is filled, a stage chosen, the deal saved and listed', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await start(page);
  await say(page, 'Create a deal');
  const status = page.locator(sel.status);
  await status.filter({ hasText: 'Typing into the deal name' }).waitFor({ timeout: 15000 });
  await waitForTourEnd(page);
  const rows = await demo(page).locator('[data-testid="deal-list"] tbody tr').allTextContents();
  assert.ok(rows.some((r) => r.includes('Acme Corp — 50 seats') && r.includes('$24000') && r.includes('Proposal')), rows.join('\n'));
  await page.screenshot({ path: path.join(artifacts, 'tour-deal.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('the visitor can stop a tour', async () => {
  const { page, context } = await openPage(shared.browser);
  await start(page);
  await say(page, 'Create a deal');
  await page.locator(sel.status).filter({ hasText: 'Typing into' }).waitFor({ timeout: 15000 });
  await page.click('.docent-status__action');
  await waitForTourEnd(page);
  await page.waitForTimeout(1500);
  const rows = await demo(page).locator('[data-testid="deal-list"] tbody tr').allTextContents();
  assert.ok(!rows.some((r) => r.includes('Acme Corp')), 'the deal was still created after Stop');
  await context.close();
});

test("the visitor's own clicks in the demo reach the server, and the agent reacts", async () => {
  const { page, context, errors } = await openPage(shared.browser);
  const session = await start(page);
  await demo(page).locator('[data-testid="pipeline-chart"]').waitFor();
  // A bar inside the chart: reported by the nearest data-testid.
  await demo(page).locator('.bar--won').click();
  await page.waitForTimeout(500); // past the gap between two reported clicks
  await demo(page).locator('nav a', { hasText: 'Deals' }).click();
  await page.locator(sel.agentMessages).filter({ hasText: 'I see you opened Deals' }).waitFor({ timeout: 10000 });
  const { record } = await shared.server.record(session.sessionId);
  const clicks = record.pageEvents.filter((e) => e.event === 'click' && e.url === '/crm/dashboard.html');
  // The chart by its data-testid; the link (no data-testid or id up to the page) by its tag.
  assert.deepEqual(clicks.map((e) => e.selector), ["[data-testid='pipeline-chart']", 'a'], JSON.stringify(record.pageEvents));
  assert.ok(record.pageEvents.some((e) => e.event === 'navigation' && e.url === '/crm/deals.html'), JSON.stringify(record.pageEvents));
  assert.deepEqual(errors, []);
  await context.close();
});

test("only the demo iframe's own window is heard as the demo: a message from elsewhere that claims to be the bridge is ignored", async () => {
  const { page, context, errors } = await openPage(shared.browser);
  const session = await start(page);
  await demo(page).locator('[data-testid="pipeline-chart"]').waitFor();
  const activity = (selector) => JSON.stringify({ docent: 1, activity: { event: 'click', selector, url: '/crm/dashboard.html' } });
  // From the host page's own window (the origin is the demo's, the window is not).
  await page.evaluate((text) => window.postMessage(text, '*'), activity('#from-the-host-page'));
  await page.waitForTimeout(500); // past the gap between two reported clicks
  // From the demo iframe's window: heard, which shows the watch was listening.
  await demo(page).locator('body').evaluate((body, text) => parent.postMessage(text, '*'), activity('#from-the-demo'));
  const heard = async () => (await shared.server.record(session.sessionId)).record.pageEvents;
  for (let i = 0; i < 50 && !(await heard()).some((e) => e.selector === '#from-the-demo'); i++) await page.waitForTimeout(100);
  const events = await heard();
  assert.ok(events.some((e) => e.selector === '#from-the-demo'), JSON.stringify(events));
  assert.ok(!events.some((e) => e.selector === '#from-the-host-page'), JSON.stringify(events));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a hostile batch is refused or bounded; nothing breaks and the chat goes on', async () => {
  // An agent script of our own whose one intent sends the worst commands we can think of.
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const flood = Array.from({ length: 10000 }, () => ({ action: 'click', selector: '#nothing-here' }));
  const hostile = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../demo/agent.json'), 'utf8'));
  hostile.intents.unshift(
    { name: 'js', phrases: ['hostile url'], reply: { text: 'Opening…', iframeCommands: [
      { action: 'navigate', url: 'javascript:alert(document.domain)' },
      { action: 'navigate', url: 'https://evil.example/phish' },
      { action: 'navigate', url: '//evil.example/x' },
      { action: 'click', selector: ')(' },
      { action: 'navigate', url: '/crm/deals.html' },
    ] } },
    { name: 'huge', phrases: ['hostile text'], reply: { text: 'Typing…', iframeCommands: [
      { action: 'navigate', url: '/crm/deals.html' },
      { action: 'type', selector: '#deal-name', text: huge },
    ] } },
    { name: 'flood', phrases: ['hostile flood'], reply: { text: 'Clicking…', iframeCommands: flood } },
  );
  const scriptPath = path.join(artifacts, 'hostile-agent.json');
  fs.writeFileSync(scriptPath, JSON.stringify(hostile));
  const hostileServer = await startServer(['--script', scriptPath, '--reply-delay', '50']);
  const { page, context } = await openPage(shared.browser);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
  try {
    const session = await start(page, hostileServer.url);

    await say(page, 'hostile url');
    await page.locator(sel.agentMessages).nth(1).waitFor();
    await waitForTourEnd(page);
    assert.equal(dialogs, 0, 'a javascript: URL ran');
    assert.equal(await page.locator('[data-docent-demo]').evaluate((f) => f.contentWindow.location.pathname), '/crm/deals.html');
    assert.equal(new URL(page.url()).origin, hostileServer.url, 'the host page was navigated');

    await say(page, 'hostile text');
    await page.locator(sel.agentMessages).nth(2).waitFor();
    await waitForTourEnd(page);
    const typed = await demo(page).locator('#deal-name').inputValue();
    assert.equal(typed.length, 10000, 'typed text is bounded to 10,000 characters');

    await say(page, 'hostile flood');
    await page.locator(sel.agentMessages).nth(3).waitFor();
    await waitForTourEnd(page);

    // The chat still works.
    await say(page, 'Show contacts');
    await page.locator(sel.agentMessages).filter({ hasText: 'These are your contacts' }).waitFor();

    const { record } = await hostileServer.record(session.sessionId);
    const failed = record.pageEvents.filter((e) => e.event === 'command_failed');
    const why = failed.map((e) => e.error).join('\n');
    assert.ok(failed.some((e) => /javascript/.test(e.error)), why);
    assert.ok(failed.some((e) => /evil\.example/.test(e.error)), why);
    assert.ok(failed.some((e) => /not a valid CSS selector|unbalanced/.test(e.error)), why);
    assert.ok(failed.some((e) => /9950 more commands were refused/.test(e.error)), why);
    // 50 clicks ran and failed alone (nothing matches), plus the refusal of the rest.
    assert.equal(failed.filter((e) => e.selector === '#nothing-here').length, 50);
    assert.ok(warnings.some((w) => w.includes('javascript')), 'the console says what was refused');
    console.log(`hostile batch: ${failed.length} commands refused or failed, chat still answering`);
  } finally {
    await context.close();
    hostileServer.stop();
  }
});

/** A site like the demo page (its own agent server) whose iframe shows `demoUrl`'s demo. */
async function hostWithDemoAt(demoUrl) {
  const dist = process.env.DOCENT_SITE ?? path.join(import.meta.dirname, '../../target/site');
  const root = fs.mkdtempSync(path.join(artifacts, 'host-'));
  fs.cpSync(dist, root, { recursive: true });
  const index = path.join(root, 'index.html');
  fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('src="crm/dashboard.html"', `src="${demoUrl}/crm/dashboard.html"`));
  return startServer(['--static', root]);
}

/**
 * A host site and a demo on two origins. The demo's bridge trusts the host when `trusted`,
 * else only an unrelated origin. The bridge's allowed origin is written into the demo's
 * files after the host is up, since ports are picked at random.
 */
async function crossOriginPair(trusted) {
  const demoRoot = fs.mkdtempSync(path.join(artifacts, 'cross-'));
  fs.cpSync(path.join(import.meta.dirname, '../../demo/crm'), path.join(demoRoot, 'crm'), { recursive: true });
  const demoServer = await startServer(['--static', demoRoot]);
  const host = await hostWithDemoAt(demoServer.url);
  const parent = trusted ? host.url : 'https://somewhere-else.example';
  for (const file of fs.readdirSync(path.join(demoRoot, 'crm')).filter((f) => f.endsWith('.html'))) {
    const page = path.join(demoRoot, 'crm', file);
    fs.writeFileSync(page, fs.readFileSync(page, 'utf8').replace(/data-parent-origin="[^"]*"/, `data-parent-origin="${parent}"`));
  }
  return { demoServer, host };
}

test('the same tour through the cross-origin bridge', async () => {
  // The host's origin goes into the demo's bridge, the demo's into the host page: the host
  // page is written after the demo server is up, and the bridge reads its origin at load.
  const { demoServer, host } = await crossOriginPair(true);
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const session = await start(page, host.url);
    const frame = page.frameLocator('[data-docent-demo]');
    await frame.locator('[data-testid="pipeline-chart"]').waitFor();
    assert.notEqual(new URL(await page.locator('[data-docent-demo]').getAttribute('src')).origin, host.url);

    await say(page, 'Show me the dashboard');
    const overlay = frame.locator('[data-docent-highlight]');
    await overlay.waitFor({ timeout: 15000 });
    await page.waitForTimeout(700);
    const chartBox = await frame.locator('[data-testid="pipeline-chart"]').boundingBox();
    const overlayBox = await overlay.boundingBox();
    for (const side of ['x', 'y', 'width', 'height']) {
      assert.ok(Math.abs(chartBox[side] - overlayBox[side]) <= 1, `overlay ${side}`);
    }
    await waitForTourEnd(page);

    await say(page, 'Create a deal');
    await page.locator(sel.agentMessages).nth(2).waitFor();
    await waitForTourEnd(page);
    const rows = await frame.locator('[data-testid="deal-list"] tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes('Acme Corp — 50 seats') && r.includes('Proposal')), rows.join('\n'));

    await frame.locator('nav a', { hasText: 'Contacts' }).click();
    await page.locator(sel.agentMessages).filter({ hasText: 'Those are your contacts' }).waitFor({ timeout: 10000 });
    const { record } = await host.record(session.sessionId);
    assert.ok(record.pageEvents.some((e) => e.event === 'click'), JSON.stringify(record.pageEvents));
    assert.ok(record.pageEvents.some((e) => e.event === 'navigation' && e.url === '/crm/contacts.html'));
    assert.ok(!record.pageEvents.some((e) => e.event === 'command_failed'), JSON.stringify(record.pageEvents));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    demoServer.stop();
    host.stop();
  }
});

test('a bridge that does not trust this site ignores its commands, and the visitor is told', async () => {
  const { demoServer, host } = await crossOriginPair(false);
  const { page, context } = await openPage(shared.browser);
  try {
    const session = await start(page, host.url);
    await say(page, 'Show contacts');
    await page.locator(sel.status).filter({ hasText: 'did not answer' }).waitFor({ timeout: 20000 });
    await waitForTourEnd(page);
    const { record } = await host.record(session.sessionId);
    const failed = record.pageEvents.filter((e) => e.event === 'command_failed');
    assert.ok(failed.length >= 1 && failed.every((e) => /bridge script/.test(e.error)), JSON.stringify(failed));
    assert.equal(await page.frameLocator('[data-docent-demo]').locator('[data-docent-highlight]').count(), 0);
  } finally {
    await context.close();
    demoServer.stop();
    host.stop();
  }
});
