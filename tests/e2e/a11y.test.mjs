// Accessibility: axe-core (from the lockfile) on every state of the widget in the light and
// dark themes, scoped to the widget so the host page's own markup is not judged; the finished
// message announced once; Escape; focus; themes and reduced motion through the variables; and
// a keyboard-only walk through a whole conversation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, sel, say } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AUI_KEY = 'aui_test_e2e_0123456789';
const shared = { server: null, browser: null };
before(async () => {
  shared.server = await startServer([], { DOCENT_AUI_KEY: AUI_KEY });
  shared.browser = await launchBrowser();
});
after(async () => {
  await shared.browser?.close();
  shared.server?.stop();
});

async function openPage(options = {}) {
  const context = await shared.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { page, context, errors };
}

/** axe-core's violations inside the widget (`.docent`), one readable line each. */
async function axe(page, what) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  // Only what is on screen: a hidden element is nobody's problem.
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document.querySelector('.docent'), { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary}`).join(' | ')}`);
  });
  assert.deepEqual(violations, [], `axe found problems in ${what}`);
}

test('the axe gate catches what it should: a nameless button put into the widget is a violation', async () => {
  const { page, context } = await openPage();
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.locator(sel.launcher).click();
    await page.locator(sel.agentMessages).first().waitFor();
    await page.evaluate(() => {
      const b = document.createElement('button');
      document.querySelector('.docent').append(b);
    });
    await assert.rejects(axe(page, 'a planted nameless button'), /button-name/);
  } finally {
    await context.close();
  }
});

/** No landmark in the widget: a second banner, main or navigation would clash with the site's. */
async function assertNoLandmarks(page) {
  const landmarks = await page.evaluate(() => [...document.querySelectorAll(
    '.docent header, .docent footer, .docent main, .docent nav, .docent aside, .docent form[aria-label], .docent [role="banner"], .docent [role="main"], .docent [role="navigation"], .docent [role="contentinfo"], .docent [role="complementary"], .docent [role="region"]',
  )].map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(landmarks, []);
}

for (const scheme of ['light', 'dark']) {
  test(`axe (${scheme} theme): closed launcher, open chat with messages and chips, lead form, a lead error, a failed start: 0 violations`, async () => {
    const { page, context, errors } = await openPage({ colorScheme: scheme });
    try {
      await page.goto(`${shared.server.url}/plain.html`);
      await page.locator(sel.launcher).waitFor();
      await axe(page, 'the launcher drawn by the loader');
      await page.locator(sel.launcher).click();
      await page.locator(sel.agentMessages).first().waitFor();
      await page.locator(sel.chips).first().waitFor();
      const background = await page.locator(sel.window).evaluate((w) => getComputedStyle(w).backgroundColor);
      assert.equal(background, scheme === 'dark' ? 'rgb(23, 24, 28)' : 'rgb(255, 255, 255)', 'the theme follows the visitor\'s system');
      await say(page, 'Show contacts');
      await page.locator(sel.agentMessages).nth(1).waitFor();
      await page.waitForSelector(sel.typing, { state: 'hidden' });
      await axe(page, 'the open chat with messages and chips');
      await assertNoLandmarks(page);
      // The README shows both themes as this run saw them.
      await page.locator(sel.window).screenshot({ path: path.join(import.meta.dirname, `../../docs/theme-${scheme}.png`) });

      // The visitor's message waiting to be sent (offline): marked without fading its text.
      await context.setOffline(true);
      await say(page, 'Are you there?');
      await page.locator('.docent-message--pending').waitFor();
      await axe(page, 'a message waiting to be sent, offline');
      await context.setOffline(false);
      await page.locator('.docent-message--pending').waitFor({ state: 'detached' });
      await page.waitForSelector(sel.typing, { state: 'hidden' });

      await page.locator(sel.chips, { hasText: 'Tell me about pricing' }).click();
      await page.waitForSelector(sel.lead);
      await axe(page, 'the lead form');
      await page.click('.docent-lead__submit');
      await page.waitForSelector('.docent-lead__error:not([hidden])');
      await axe(page, 'the lead form with its errors');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test(`axe (${scheme} theme): a chat that could not start (the error state): 0 violations`, async () => {
    const { page, context } = await openPage({ colorScheme: scheme });
    try {
      await page.route('**/api/v1/session', (route) => route.fulfill({ status: 401, json: { error: 'bad key' } }));
      await page.goto(`${shared.server.url}/plain.html`);
      await page.locator(sel.launcher).click();
      await page.locator('.docent-status--error').waitFor();
      await axe(page, 'the error state');
    } finally {
      await context.close();
    }
  });
}

test('axe: product cards (AUI) and a tool activity line (Amigo); a streamed reply is announced once, whole', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, context, errors } = await openPage({ colorScheme: scheme });
    try {
      await page.addInitScript(() => {
        window.__announced = [];
        new MutationObserver(() => {
          const text = document.querySelector('[data-testid="docent-announcer"]')?.textContent;
          if (text && text !== window.__announced.at(-1)) window.__announced.push(text);
        }).observe(document, { childList: true, subtree: true, characterData: true });
      });
      await page.goto(`${shared.server.url}/aui.html`);
      await page.locator(sel.launcher).click();
      await page.locator(sel.agentMessages).filter({ hasText: 'microwave adviser' }).waitFor();
      await say(page, 'I am looking for a built-in microwave with at least 20 liters capacity');
      await page.locator(sel.cards).first().waitFor({ timeout: 20000 });
      await page.waitForFunction(() => [...document.querySelectorAll('.docent-card__image')].every((i) => i.complete));
      await axe(page, `the product cards (${scheme})`);
      // The reply streamed in many updates; the announcer said it once, when it was whole.
      const reply = await page.locator(sel.agentMessages).nth(1).locator('.docent-message__bubble').textContent();
      const announced = await page.evaluate(() => window.__announced);
      const name = await page.textContent(sel.title);
      assert.equal(announced.length, 2, JSON.stringify(announced));
      assert.match(announced[0], /microwave adviser/, 'the greeting');
      assert.equal(announced[1], `${name}: ${reply}`, 'the whole reply, once');
      assert.equal(await page.locator(sel.cards).first().getAttribute('aria-label'),
        await page.locator(`${sel.cards} .docent-card__title`).first().textContent());
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  }

  const { page, context, errors } = await openPage();
  try {
    await page.goto(`${shared.server.url}/amigo.html`);
    await page.locator(sel.launcher).click();
    await page.locator(sel.agentMessages).filter({ hasText: 'look up an order' }).waitFor();
    await say(page, 'where is my order 1234');
    await page.locator(sel.activity).filter({ hasText: 'lookup order' }).waitFor();
    await axe(page, 'the tool activity line');
    assert.equal(await page.locator(sel.activity).getAttribute('role'), 'status');
    assert.ok(await page.locator(sel.activity).getAttribute('aria-label'));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a labelled, non-modal dialog; Escape closes it and gives the focus back to the launcher', async () => {
  const { page, context, errors } = await openPage();
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.locator(sel.launcher).click();
    await page.locator(sel.agentMessages).first().waitFor();
    const dialog = page.locator(sel.window);
    assert.equal(await dialog.getAttribute('role'), 'dialog');
    assert.equal(await dialog.getAttribute('aria-modal'), null, 'the page stays usable beside the chat');
    assert.equal(await dialog.getAttribute('aria-label'), `Chat with ${await page.textContent(sel.title)}`);
    assert.equal(await page.locator(sel.launcher).getAttribute('aria-expanded'), 'true');
    // The list is no live region (it would read every streamed token); the announcer is.
    assert.equal(await page.locator('[data-testid="docent-messages"]').getAttribute('aria-live'), null);
    assert.notEqual(await page.locator('[data-testid="docent-messages"]').getAttribute('role'), 'log');

    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-input"]'));
    await page.keyboard.press('Escape');
    await page.waitForSelector(sel.window, { state: 'hidden' });
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-launcher"]'));
    assert.equal(await page.locator(sel.launcher).getAttribute('aria-expanded'), 'false');

    // The close button does the same; a host's own control that closes the chat keeps its focus.
    await page.keyboard.press('Enter');
    await page.waitForSelector(sel.window, { state: 'visible' });
    await page.locator('[data-testid="docent-close"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-launcher"]'));
    await page.evaluate(() => {
      const button = document.createElement('button');
      button.id = 'host-close';
      button.textContent = 'Close the chat';
      button.onclick = () => window.Docent.close();
      document.body.prepend(button);
      window.Docent.open();
    });
    await page.waitForSelector(sel.window, { state: 'visible' });
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-input"]'));
    await page.focus('#host-close');
    await page.keyboard.press('Enter');
    await page.waitForSelector(sel.window, { state: 'hidden' });
    await page.waitForTimeout(100);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'host-close');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('themes and motion go through the --docent-* variables: data-theme pins one; reduced motion stops the typing dots', async () => {
  const typingAnimation = (page) => page.locator('.docent-typing__dot').first().evaluate((d) => getComputedStyle(d).animationName);
  const background = (page) => page.locator(sel.window).evaluate((w) => getComputedStyle(w).backgroundColor);
  for (const [scheme, theme, expected] of [['dark', 'light', 'rgb(255, 255, 255)'], ['light', 'dark', 'rgb(23, 24, 28)']]) {
    const { page, context, errors } = await openPage({ colorScheme: scheme });
    try {
      await page.goto(`${shared.server.url}/plain.html`);
      await page.evaluate((theme) => window.Docent.init({ theme, open: true }), theme);
      await page.locator(sel.agentMessages).first().waitFor();
      assert.equal(await page.locator('.docent-host').getAttribute('data-theme'), theme);
      assert.equal(await background(page), expected, `data-theme="${theme}" on a ${scheme} system`);
      await axe(page, `the chat pinned ${theme} on a ${scheme} system`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  }
  for (const [reducedMotion, expected] of [['no-preference', 'docent-bounce'], ['reduce', 'none']]) {
    const { page, context } = await openPage({ reducedMotion });
    try {
      await page.goto(`${shared.server.url}/plain.html`);
      await page.locator(sel.launcher).click();
      await page.locator(sel.agentMessages).first().waitFor();
      await say(page, 'Show contacts');
      await page.waitForSelector(sel.typing, { state: 'visible' });
      assert.equal(await typingAnimation(page), expected, `typing dots with reduced motion: ${reducedMotion}`);
      assert.equal(await page.locator(sel.launcher).evaluate((l) => getComputedStyle(l).transitionDuration),
        reducedMotion === 'reduce' ? '0s' : '0.15s');
    } finally {
      await context.close();
    }
  }
});

/** Presses Tab (or Shift+Tab) until the focused element matches `selector` (and `text`). */
async function tabTo(page, selector, { back = false, text = null } = {}) {
  for (let i = 0; i < 40; i += 1) {
    const here = await page.evaluate(([s, t]) => {
      const a = document.activeElement;
      return !!a && a.matches(s) && (t === null || a.textContent.trim() === t);
    }, [selector, text]);
    if (here) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`the keyboard never reached ${selector} ${text ?? ''}`);
}

/** The focused element shows a focus ring (an outline drawn by :focus-visible). */
async function assertFocusRing(page) {
  const ring = await page.evaluate(() => {
    const a = document.activeElement;
    const style = getComputedStyle(a);
    return { visible: a.matches(':focus-visible'), style: style.outlineStyle, width: style.outlineWidth, what: a.className };
  });
  assert.ok(ring.visible && ring.style !== 'none' && ring.width !== '0px', `no focus ring on ${JSON.stringify(ring)}`);
}

test('keyboard only: open, send, pick a chip, fill the lead form, close — no mouse', async () => {
  const { page, context, errors } = await openPage();
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.evaluate(() => {
      window.__leads = [];
      document.addEventListener('docent:lead', (e) => window.__leads.push(e.detail));
    });
    await page.locator(sel.launcher).waitFor();
    await tabTo(page, sel.launcher);
    await assertFocusRing(page);
    await page.keyboard.press('Enter');
    await page.locator(sel.agentMessages).first().waitFor();
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-input"]'));

    await page.keyboard.type('Show contacts');
    await page.keyboard.press('Enter');
    await page.locator(sel.agentMessages).nth(1).waitFor();
    await page.waitForSelector(sel.typing, { state: 'hidden' });

    // The message list can be reached (to scroll it), with a ring.
    await tabTo(page, '[data-testid="docent-messages"]', { back: true });
    await assertFocusRing(page);
    await tabTo(page, '.docent-chip', { text: 'Tell me about pricing' });
    await assertFocusRing(page);
    await page.keyboard.press('Enter');
    await page.locator(sel.visitorMessages).filter({ hasText: 'Tell me about pricing' }).waitFor();
    // The chips went away with the pick: the focus went on to the composer.
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-input"]'));

    await page.waitForSelector(sel.lead);
    await tabTo(page, '#docent-lead-email', { back: true });
    await assertFocusRing(page);
    await page.keyboard.type('ada@acme.io');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Acme');
    await tabTo(page, '.docent-lead__submit');
    await assertFocusRing(page);
    await page.keyboard.press('Enter');
    await page.waitForSelector(sel.leadDone);
    // The form went away: the focus went on to the composer.
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-input"]'));

    await page.keyboard.press('Escape');
    await page.waitForSelector(sel.window, { state: 'hidden' });
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent-launcher"]'));
    await assertFocusRing(page);
    assert.deepEqual(await page.evaluate(() => window.__leads), [{ email: 'ada@acme.io', company: 'Acme' }]);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(import.meta.dirname, 'artifacts', 'keyboard.png') });
  } finally {
    await context.close();
  }
});
