// Voice and attention: replies that come while the chat is closed show as a badge on the
// launcher (and in its name); a speaker toggle reads replies aloud with the browser's speech
// synthesis, off by default and remembered; without speech synthesis there is no toggle and
// nothing breaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser, openPage, sel, say } from './harness.mjs';

const shared = sharedServerAndBrowser();
const speaker = '[data-testid="docent-speaker"]';
const badge = '[data-testid="docent-unread"]';

test('a reply while the chat is closed shows on the launcher until it is opened', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    await say(page, 'Show me the dashboard');
    await page.keyboard.press('Escape');
    await page.locator(badge).waitFor({ timeout: 15000 });
    assert.equal((await page.locator(badge).innerText()).trim(), '1');
    assert.equal(await page.getAttribute(sel.launcher, 'aria-label'), 'Open chat (1 new)');
    await page.click(sel.launcher);
    assert.ok(await page.locator(badge).isHidden(), 'seen once opened');
    await page.keyboard.press('Escape');
    assert.equal(await page.getAttribute(sel.launcher, 'aria-label'), 'Open chat');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('the speaker reads replies aloud once turned on, and stays on after a reload', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  // The browser's own speechSynthesis, watched: what it is asked to say is noted.
  await page.addInitScript(() => {
    window.__spoken = [];
    const speak = speechSynthesis.speak.bind(speechSynthesis);
    speechSynthesis.speak = (utterance) => { window.__spoken.push([utterance.text, utterance.lang]); speak(utterance); };
  });
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    assert.equal(await page.getAttribute(speaker, 'aria-pressed'), 'false', 'off by default');
    await say(page, 'Show me the dashboard');
    await page.locator(sel.agentMessages).nth(1).waitFor({ timeout: 15000 });
    assert.deepEqual(await page.evaluate(() => window.__spoken), [], 'nothing said while off');

    await page.click(speaker);
    assert.equal(await page.getAttribute(speaker, 'aria-pressed'), 'true');
    await say(page, 'What about pricing?');
    await page.waitForFunction(() => window.__spoken.length > 0, null, { timeout: 15000 });
    const [[text, lang]] = await page.evaluate(() => window.__spoken);
    assert.ok(text.length > 0);
    assert.equal(lang, 'en');

    await page.reload();
    await page.locator(speaker).waitFor();
    assert.equal(await page.getAttribute(speaker, 'aria-pressed'), 'true', 'remembered');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('without speech synthesis there is no speaker toggle, and the chat works', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await page.addInitScript(() => { delete window.speechSynthesis; delete Window.prototype.speechSynthesis; });
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    assert.equal(await page.locator(speaker).count(), 0);
    await say(page, 'Show me the dashboard');
    await page.locator(sel.agentMessages).nth(1).waitFor({ timeout: 15000 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
