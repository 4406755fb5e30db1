// Languages: the widget's words from the locale table (German, and Hebrew written right to
// left), chosen by data-locale or the browser's language, fetched only by visitors who need
// them, with single texts of the site's own laid over them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sharedServerAndBrowser, sel, say, artifacts } from './harness.mjs';

const shared = sharedServerAndBrowser();

/** A page in a browser whose language is `locale`, recording console messages and requests. */
async function visit(url, locale) {
  const context = await shared.browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  const requests = [];
  page.on('console', (m) => (m.type() === 'error' ? errors : m.type() === 'warning' ? warnings : []).push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  return { page, context, errors, warnings, requests };
}

async function openAndGreet(page) {
  await page.click(sel.launcher);
  await page.locator(sel.agentMessages).first().waitFor();
}

test('data-locale="de": every control in German, a text of the site\'s own over it, a misspelt one said in the console', async () => {
  const { page, context, errors, warnings, requests } = await visit(`${shared.server.url}/german.html`, 'en-US');
  try {
    await openAndGreet(page);
    assert.equal(await page.getAttribute(sel.input, 'placeholder'), 'Nachricht schreiben…');
    assert.equal(await page.getAttribute(sel.input, 'aria-label'), 'Nachricht');
    assert.equal((await page.locator('[data-testid="docent-send"]').innerText()).trim(), 'Los', "the site's own word wins");
    assert.equal(await page.getAttribute('[data-testid="docent-send"]', 'aria-label'), 'Nachricht senden');
    assert.equal((await page.locator(sel.end).innerText()).trim(), 'Chat beenden');
    assert.equal(await page.getAttribute('.docent-host', 'lang'), 'de');
    assert.equal(await page.getAttribute('.docent-host', 'dir'), null, 'German is written left to right');
    await say(page, 'Show me the dashboard');
    await page.locator(sel.agentMessages).nth(1).waitFor({ timeout: 15000 });
    assert.ok(requests.some((u) => /docent-de\.[0-9a-f]+\.json$/.test(u)), 'the German table was fetched');
    // The lead form's invitation too (it was English in every language until session 10).
    await say(page, 'Tell me about pricing');
    await page.locator('.docent-lead__intro').waitFor({ timeout: 15000 });
    assert.equal(await page.locator('.docent-lead__intro').innerText(), 'Hinterlassen Sie Ihre Kontaktdaten, und wir melden uns bei Ihnen.');
    assert.ok(warnings.some((w) => w.includes('"sned"')), `the misspelt text is named: ${warnings}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Docent.init({locale, texts}) lays its words over the German table', async () => {
  const { page, context, errors } = await visit(`${shared.server.url}/texts-init.html`, 'en-US');
  try {
    await openAndGreet(page);
    assert.equal((await page.locator(sel.end).innerText()).trim(), 'Tschüss');
    assert.equal(await page.getAttribute(sel.input, 'placeholder'), 'Ihre Frage…');
    assert.equal((await page.locator('[data-testid="docent-send"]').innerText()).trim(), 'Senden', 'the rest from the table');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a Hebrew browser gets the Hebrew words and a mirrored layout, the widget only', async () => {
  const { page, context, errors } = await visit(`${shared.server.url}/plain.html`, 'he-IL');
  try {
    await openAndGreet(page);
    assert.equal(await page.getAttribute('.docent-host', 'dir'), 'rtl');
    assert.equal(await page.getAttribute('.docent-host', 'lang'), 'he');
    assert.equal(await page.evaluate(() => document.documentElement.dir), '', 'the host page is left alone');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.docent-window')).direction), 'rtl');
    assert.equal(await page.getAttribute(sel.input, 'placeholder'), 'כתבו הודעה…');
    await say(page, 'Show me the dashboard');
    const visitor = await page.locator(sel.visitorMessages).first().locator('.docent-message__bubble').boundingBox();
    const agent = await page.locator(sel.agentMessages).first().locator('.docent-message__bubble').boundingBox();
    assert.ok(visitor.x < agent.x, `the visitor's bubble is on the left in RTL (${visitor.x} vs ${agent.x})`);
    const window = await page.locator(sel.window).boundingBox();
    assert.ok(Math.abs(agent.x + agent.width - (window.x + window.width)) < 40, "the agent's bubble starts at the right");
    await page.screenshot({ path: path.join(artifacts, 'rtl.png') });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a browser in a language Docent does not ship gets English and downloads no table', async () => {
  const { page, context, errors, requests } = await visit(`${shared.server.url}/plain.html`, 'fr-FR');
  try {
    await openAndGreet(page);
    assert.equal(await page.getAttribute(sel.input, 'placeholder'), 'Type your message…');
    assert.equal(await page.getAttribute('.docent-host', 'lang'), 'en');
    assert.ok(!requests.some((u) => u.endsWith('.json')), `no locale fetched: ${requests.filter((u) => u.endsWith('.json'))}`);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a German visitor on an Amigo site: German words, and the tour's texts, which that build leaves out, taken without a warning", async () => {
  // The locale file has every text; AUI's and Amigo's builds have no page commands, so no
  // words for them in their wasm (`texts.rs`), and must not call those names misspelt.
  const { page, context, errors, warnings, requests } = await visit(`${shared.server.url}/amigo.html`, 'de-DE');
  try {
    await page.click(sel.launcher);
    await page.waitForFunction(() => document.querySelector('[data-testid="docent"] [data-testid="docent-input"]'));
    assert.equal(await page.getAttribute(sel.input, 'placeholder'), 'Nachricht schreiben…');
    assert.ok(requests.some((u) => /docent-de\.[0-9a-f]+\.json$/.test(u)), 'the German table was fetched');
    assert.deepEqual(warnings.filter((w) => w.includes('no text')), []);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
