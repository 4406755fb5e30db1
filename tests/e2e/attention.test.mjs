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

/** Notes the notes the page's Web Audio is asked to play (their pitch), and plays them. */
async function watchSounds(page) {
  await page.addInitScript(() => {
    window.__notes = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
      window.__notes.push(this.frequency.value);
      return start.apply(this, args);
    };
  });
}

test('the notification sound is off by default, and nothing of it is downloaded', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await watchSounds(page);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.goto(`${shared.server.url}/plain.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    await say(page, 'Show me the dashboard');
    await page.keyboard.press('Escape');
    await page.locator(badge).waitFor({ timeout: 15000 });
    // A sound would follow the badge by the time sound.js is fetched: give it that time.
    await page.waitForTimeout(1000);
    assert.deepEqual(await page.evaluate(() => window.__notes), [], 'silent');
    assert.equal(requests.filter((u) => u.endsWith('/sound.js')).length, 0, 'sound.js not fetched');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('data-sound="true": a reply that comes while the chat is closed or the tab hidden plays the sound, one seen as it comes does not', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await watchSounds(page);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const notes = () => page.evaluate(() => window.__notes.length);
  try {
    await page.goto(`${shared.server.url}/sound.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    assert.equal(await notes(), 0, 'the greeting came while the chat was open');

    await say(page, 'Show me the dashboard');
    await page.keyboard.press('Escape');
    await page.locator(badge).waitFor({ timeout: 15000 });
    await page.waitForFunction(() => window.__notes.length > 0, null, { timeout: 5000 });
    const chime = await page.evaluate(() => window.__notes);
    assert.equal(chime.length, 2, `two notes: ${chime}`);
    assert.ok(chime[1] > chime[0], `rising: ${chime}`);
    assert.equal(requests.filter((u) => u.endsWith('/sound.js')).length, 1, 'sound.js fetched at the first sound');

    await page.click(sel.launcher);
    await say(page, 'What about pricing?');
    await page.locator(sel.agentMessages).nth(2).waitFor({ timeout: 15000 });
    await page.waitForTimeout(300);
    assert.equal(await notes(), 2, 'a reply seen as it comes is not announced');

    // The tab goes to the background (as the browser tells it: visibilitychange).
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await say(page, 'Tell me about reports');
    await page.waitForFunction(() => window.__notes.length === 4, null, { timeout: 15000 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
