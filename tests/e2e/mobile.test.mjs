// A phone (390×844, touch): the open chat fills the screen, its inputs do not make iOS zoom,
// the page behind it does not scroll (and is put back exactly on close), the composer stays
// inside the visual viewport when that shrinks (as under an on-screen keyboard), and the
// agent still drives the demo. Its screenshots are the README's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sharedServerAndBrowser, sel } from './harness.mjs';

const shared = sharedServerAndBrowser();
const docs = path.join(import.meta.dirname, '../../docs');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const hostState = (page) => page.evaluate(() => ({
  html: document.documentElement.getAttribute('style'),
  body: document.body.getAttribute('style'),
  y: window.scrollY,
}));

test('a phone: full screen chat, 16 px inputs, no page scrolling behind it, the keyboard-sized viewport, the demo still driven', async () => {
  const context = await shared.browser.newContext(PHONE);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const cdp = await context.newCDPSession(page);
  try {
    await page.goto(shared.server.url);
    await page.frameLocator('[data-docent-demo]').locator('[data-testid="pipeline-chart"]').waitFor();
    await page.locator(sel.launcher).waitFor();
    await page.screenshot({ path: path.join(docs, 'mobile-closed.png') });
    // A long page with its own inline style, scrolled down: all of it must come back as it was.
    await page.evaluate(() => {
      document.body.setAttribute('style', 'min-height: 3000px');
      window.scrollTo(0, 400);
    });
    const before = await hostState(page);
    assert.equal(before.y, 400);

    await page.tap(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    const box = await page.locator(sel.window).boundingBox();
    assert.deepEqual(box, { x: 0, y: 0, width: 390, height: 844 }, 'the window fills the screen');
    assert.equal(await page.isVisible(sel.launcher), false, 'the launcher is not over the composer');
    for (const input of [sel.input]) {
      const size = await page.locator(input).evaluate((i) => parseFloat(getComputedStyle(i).fontSize));
      assert.ok(size >= 16, `${input} is ${size}px: iOS would zoom in`);
    }

    // A swipe on the chat's header does not scroll the page behind it.
    await cdp.send('Input.synthesizeScrollGesture', { x: 195, y: 40, yDistance: -400, gestureSourceType: 'touch', speed: 2000 });
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.scrollY), 400, 'the page scrolled behind the chat');

    // Tapped and typed: the agent fills in a deal in the demo (behind the chat), as on a desktop.
    await page.tap(sel.input);
    await page.keyboard.type('Create a deal');
    await page.tap('[data-testid="docent-send"]');
    await page.locator(sel.status).filter({ hasText: 'Typing into the deal name' }).waitFor({ timeout: 15000 });
    await page.waitForFunction(() => !document.querySelector('.docent-status--tour'), null, { timeout: 20000 });
    const rows = await page.frameLocator('[data-docent-demo]').locator('[data-testid="deal-list"] tbody tr').allTextContents();
    assert.ok(rows.some((r) => r.includes('Acme Corp')), rows.join('\n'));
    await page.screenshot({ path: path.join(docs, 'mobile-chat.png') });

    // The lead form's inputs are 16 px too.
    await page.locator(sel.chips, { hasText: 'Tell me about pricing' }).tap();
    await page.waitForSelector(sel.lead);
    const leadSize = await page.locator('.docent-lead__input').first().evaluate((i) => parseFloat(getComputedStyle(i).fontSize));
    assert.ok(leadSize >= 16, `the lead form's input is ${leadSize}px`);

    // The visual viewport shrinks while the layout viewport stays (what an on-screen keyboard
    // does; here by zooming in): the window follows it, so the composer stays in sight.
    await cdp.send('Emulation.setPageScaleFactor', { pageScaleFactor: 2 });
    await page.waitForFunction(() => Math.abs(document.querySelector('[data-testid="docent-window"]').getBoundingClientRect().height - visualViewport.height) < 1);
    const fit = await page.evaluate(() => ({
      composer: document.querySelector('[data-testid="docent-composer"]').getBoundingClientRect().bottom,
      visible: visualViewport.offsetTop + visualViewport.height,
      layout: window.innerHeight,
    }));
    assert.ok(fit.composer <= fit.visible + 1 && fit.visible < fit.layout - 100, JSON.stringify(fit));
    await cdp.send('Emulation.setPageScaleFactor', { pageScaleFactor: 1 });
    await page.waitForFunction(() => visualViewport.scale === 1 && Math.abs(document.querySelector('[data-testid="docent-window"]').getBoundingClientRect().height - 844) < 1);

    await page.tap('[data-testid="docent-close"]');
    await page.waitForSelector(sel.window, { state: 'hidden' });
    assert.deepEqual(await hostState(page), before, 'the page is put back exactly as it was');
    assert.equal(await page.isVisible(sel.launcher), true);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('wider than a phone, the chat is the usual window and the page is left alone', async () => {
  const context = await shared.browser.newContext({ ...PHONE, viewport: { width: 800, height: 844 } });
  const page = await context.newPage();
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.tap(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    const box = await page.locator(sel.window).boundingBox();
    assert.ok(box.width <= 380 && box.x > 300, JSON.stringify(box));
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('style')), null);
  } finally {
    await context.close();
  }
});
