// One visitor, one conversation, in every tab: two and three pages of one browser context
// (one profile) against a server that speaks seed 002 alone (`--seed-only`: no message ids,
// a reply lost with its connection). One tab leads and holds the socket; the others follow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer, launchBrowser, sel, artifacts, say } from './harness.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** An agent that repeats every message ("Echo: …"), so each reply names its message. */
function echoScript() {
  const script = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../demo/agent.json'), 'utf8'));
  script.intents = [];
  script.pageEvents = [];
  script.fallback = { text: 'Echo: {text}' };
  const file = path.join(artifacts, 'tabs-echo-agent.json');
  fs.writeFileSync(file, JSON.stringify(script));
  return file;
}

/**
 * A browser context (one profile) whose pages are counted: the sessions they create
 * (POST /api/v1/session) and the sockets they open, and how many were open at once.
 */
async function profile() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const seen = { sessions: [], sockets: 0, open: 0, peak: 0, errors: [] };
  context.on('page', (page) => {
    page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(m.text()); });
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('response', async (r) => {
      if (r.url().endsWith('/api/v1/session') && r.request().method() === 'POST') seen.sessions.push((await r.json()).sessionId);
    });
    page.on('websocket', (ws) => {
      seen.sockets += 1;
      seen.open += 1;
      seen.peak = Math.max(seen.peak, seen.open);
      ws.on('close', () => { seen.open -= 1; });
    });
  });
  return { context, seen };
}

/** A new tab of the site, with its chat window open. */
async function tab(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.click(sel.launcher);
  await page.locator(sel.window).waitFor();
  return page;
}

/** What a tab shows: each message's author, text and delivery. */
const transcript = (page) => page.locator('[data-testid="docent-message"]').evaluateAll((rows) => rows.map((row) => {
  const delivery = row.classList.contains('docent-message--pending') ? ' (waiting)'
    : row.classList.contains('docent-message--failed') ? ' (failed)' : '';
  return `${row.dataset.author}: ${row.querySelector('.docent-message__bubble').textContent}${delivery}`;
}));

/** Waits until every tab shows `expected`, then a while longer, and checks it stayed so. */
async function allShow(pages, expected, what) {
  for (const page of pages) {
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="docent-message"]').length >= n
      && !document.querySelector('.docent-message--pending'), expected.length, { timeout: 20000 })
      .catch(() => {});
  }
  await pages[0].waitForTimeout(800); // a duplicate would have arrived by now
  for (const [i, page] of pages.entries()) {
    assert.deepEqual(await transcript(page), expected, `${what}: tab ${i + 1}`);
  }
}

const record = async (server, id) => (await (await fetch(`${server.url}/control/sessions/${id}`)).json());

test('three tabs, one conversation: the history in a new tab, each message once in all, in order; one session, one socket', async () => {
  const server = await startServer(['--seed-only', '--script', echoScript(), '--reply-delay', '300']);
  const { context, seen } = await profile();
  try {
    const a = await tab(context, server.url);
    await a.locator(sel.agentMessages).first().waitFor();
    await say(a, 'one from A');
    const greeting = (await a.locator(sel.agentMessages).first().textContent());
    let expected = [`agent: ${greeting}`, 'visitor: one from A', 'agent: Echo: one from A'];
    await allShow([a], expected, 'first tab');

    const b = await tab(context, server.url);
    await allShow([a, b], expected, 'the history shows up in a new tab');
    assert.equal(await b.locator(sel.status).getAttribute('class').then((c) => /error/.test(c)), false);

    await say(b, 'two from B');
    expected = [...expected, 'visitor: two from B', 'agent: Echo: two from B'];
    await allShow([a, b], expected, 'a message from the second tab');

    const c = await tab(context, server.url);
    // Sent from three tabs in a row, without waiting: the server takes one at a time
    // (seed 002 names no answers), so they go in order, each answered once.
    await say(c, 'three from C');
    await say(a, 'four from A');
    await say(b, 'five from B');
    expected = [...expected,
      'visitor: three from C', 'visitor: four from A', 'visitor: five from B',
      'agent: Echo: three from C', 'agent: Echo: four from A', 'agent: Echo: five from B'];
    const visitorOrder = (page) => transcript(page).then((t) => t.filter((l) => l.startsWith('visitor')));
    for (const page of [a, b, c]) {
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="docent-message"][data-author="agent"]').length >= 6, null, { timeout: 20000 });
    }
    await a.waitForTimeout(800);
    const shown = await Promise.all([a, b, c].map(transcript));
    assert.deepEqual(shown[1], shown[0], 'tabs 1 and 2 show the same');
    assert.deepEqual(shown[2], shown[0], 'tabs 1 and 3 show the same');
    assert.deepEqual(await visitorOrder(a), expected.filter((l) => l.startsWith('visitor')), 'each visitor message once, in order');
    assert.deepEqual(shown[0].filter((l) => l.startsWith('agent')), expected.filter((l) => l.startsWith('agent')), 'each answer once, in order');
    await c.screenshot({ path: path.join(artifacts, 'tabs-third.png') });

    assert.equal(seen.sessions.length, 1, `one session for all tabs: ${seen.sessions}`);
    const { record: r } = await record(server, seen.sessions[0]);
    assert.deepEqual(r.visitorMessages, ['one from A', 'two from B', 'three from C', 'four from A', 'five from B']);
    assert.equal(r.peakSockets, 1, `the server saw ${r.peakSockets} sockets at once`);
    assert.equal(r.sockets, 1, `the server saw ${r.sockets} sockets in all`);
    assert.equal(seen.sockets, 1, 'the browser opened one socket');
    assert.deepEqual(seen.errors, []);
  } finally {
    await context.close();
    server.stop();
  }
});

test('closing the leader tab mid-answer hands over: nothing lost or doubled, then End chat in one tab ends all', async () => {
  const server = await startServer(['--seed-only', '--script', echoScript(), '--reply-delay', '1500']);
  const { context, seen } = await profile();
  try {
    const a = await tab(context, server.url); // the first tab leads
    await a.locator(sel.agentMessages).first().waitFor();
    const b = await tab(context, server.url);
    const c = await tab(context, server.url);
    const greeting = (await a.locator(sel.agentMessages).first().textContent());
    await say(b, 'asked before the leader went');
    const id = seen.sessions[0];
    // The server has the message and is answering it (1.5 s) when the leader tab closes:
    // that answer is lost with its socket.
    for (let i = 0; i < 50 && (await record(server, id)).record.visitorMessages.length < 1; i += 1) await b.waitForTimeout(50);
    await a.close();
    await say(c, 'asked during the hand-over');
    const expected = [`agent: ${greeting}`,
      'visitor: asked before the leader went', 'visitor: asked during the hand-over',
      'agent: Echo: asked before the leader went', 'agent: Echo: asked during the hand-over'];
    await allShow([b, c], expected, 'after the hand-over');

    const { record: r } = await record(server, id);
    assert.equal(seen.sessions.length, 1, 'the same session goes on');
    assert.equal(r.peakSockets, 1, `the server saw ${r.peakSockets} sockets at once`);
    assert.equal(r.sockets, 2, 'the old leader\'s socket, then the new leader\'s');
    // Seed 002 names no answers: the message whose answer was lost went once more.
    assert.deepEqual(r.visitorMessages.filter((m) => m === 'asked during the hand-over'), ['asked during the hand-over']);
    console.log(`hand-over: the server heard ${JSON.stringify(r.visitorMessages)}`);

    await c.click(sel.end);
    for (const page of [b, c]) {
      await page.locator(sel.status).filter({ hasText: 'You ended this chat.' }).waitFor();
      assert.equal(await page.locator(sel.input).isDisabled(), true);
    }
    let ended = false;
    for (let i = 0; i < 50 && !ended; i += 1) {
      ended = (await record(server, id)).ended;
      if (!ended) await b.waitForTimeout(100);
    }
    assert.equal(ended, true, 'the session ended on the server');
    // A tab that arrives now finds the chat ended, and starts nothing.
    const d = await tab(context, server.url);
    await d.locator(sel.status).filter({ hasText: 'You ended this chat.' }).waitFor();
    assert.equal(seen.sessions.length, 1);
    assert.deepEqual(seen.errors, []);
  } finally {
    await context.close();
    server.stop();
  }
});

test('page commands run in one tab only: the one whose visitor asked', async () => {
  const server = await startServer(['--seed-only', '--reply-delay', '200']);
  const { context, seen } = await profile();
  try {
    const a = await tab(context, server.url); // leads
    await a.locator(sel.agentMessages).first().waitFor();
    const b = await tab(context, server.url);
    const frame = (page) => page.locator('[data-docent-demo]').evaluate((f) => f.contentWindow.location.pathname);
    const tourOver = (page) => page.waitForFunction(() => !document.querySelector('.docent-status--tour'), null, { timeout: 20000 });

    await say(b, 'Show contacts');
    await b.locator('.docent-status--tour').waitFor();
    await a.locator('.docent-status--tour').waitFor(); // the tour's progress shows in every tab
    await tourOver(b);
    await b.waitForFunction(() => document.querySelector('[data-docent-demo]').contentWindow.location.pathname === '/crm/contacts.html');
    assert.equal(await frame(b), '/crm/contacts.html', 'the asking tab was driven');
    assert.equal(await frame(a), '/crm/dashboard.html', 'the leader tab was not');

    await say(a, 'Tell me about pricing');
    await a.locator('.docent-status--tour').waitFor();
    await tourOver(a);
    await a.waitForFunction(() => document.querySelector('[data-docent-demo]').contentWindow.location.pathname === '/crm/pricing.html');
    assert.equal(await frame(b), '/crm/contacts.html', 'the other tab was not driven');
    assert.equal(seen.sessions.length, 1);
    assert.deepEqual(seen.errors, []);
  } finally {
    await context.close();
    server.stop();
  }
});

test('the unread badge and the speaker follow the conversation; a reply is read aloud in one tab', async () => {
  const server = await startServer(['--seed-only', '--script', echoScript(), '--reply-delay', '200']);
  const { context, seen } = await profile();
  // Each tab's speechSynthesis, watched: what it is asked to say is noted, and not said.
  await context.addInitScript(() => {
    window.__spoken = [];
    speechSynthesis.speak = (utterance) => { window.__spoken.push(utterance.text); };
  });
  const speaker = '[data-testid="docent-speaker"]';
  const badge = '[data-testid="docent-unread"]';
  const spoken = (page) => page.evaluate(() => window.__spoken);
  const pressed = (page, on) => page.waitForFunction((on) => document.querySelector('[data-testid="docent-speaker"]')
    ?.getAttribute('aria-pressed') === String(on), on, { timeout: 10000 });
  try {
    const a = await tab(context, server.url); // leads
    await a.locator(sel.agentMessages).first().waitFor();
    const b = await tab(context, server.url);
    await b.locator(sel.agentMessages).first().waitFor();

    await b.click(speaker);
    await pressed(a, true); // turned on in one tab, on in all
    await say(b, 'heard in B');
    await b.waitForFunction(() => window.__spoken.length > 0, null, { timeout: 15000 });
    await a.waitForTimeout(800);
    assert.equal((await spoken(b)).length, 1);
    assert.match((await spoken(b))[0], /heard in B/);
    assert.deepEqual(await spoken(a), [], 'one voice: the asking tab, not the leader');
    await say(a, 'heard in A');
    await a.waitForFunction(() => window.__spoken.length > 0, null, { timeout: 15000 });
    await b.waitForTimeout(800);
    assert.match((await spoken(a))[0], /heard in A/);
    assert.equal((await spoken(b)).length, 1, 'and not the other tab');
    await a.click(speaker);
    await pressed(b, false);

    // Both windows closed: a reply counts on every tab's launcher until one window shows it.
    for (const page of [a, b]) {
      await page.click(sel.launcher);
      await page.locator(sel.window).waitFor({ state: 'hidden' });
    }
    const response = await fetch(`${server.url}/control/sessions/${seen.sessions[0]}/say`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'While you were away' }),
    });
    assert.deepEqual(await response.json(), { sent: true });
    for (const page of [a, b]) {
      await page.locator(badge).filter({ hasText: '1' }).waitFor({ timeout: 10000 });
    }
    await b.click(sel.launcher);
    await b.locator(sel.window).waitFor();
    await a.locator(badge).waitFor({ state: 'hidden', timeout: 10000 }); // seen in one tab, seen
    assert.equal(await b.locator(badge).isHidden(), true);
    assert.deepEqual(await spoken(a), [(await spoken(a))[0]], 'nothing read aloud once turned off');
    assert.equal(seen.sessions.length, 1);
    assert.deepEqual(seen.errors, []);
  } finally {
    await context.close();
    server.stop();
  }
});

test('no lock before there is a conversation (the page still goes into the back/forward cache); a tab with one to follow queues for it, and takes over when the leader\'s visitor follows a link away', async () => {
  const server = await startServer(['--seed-only']);
  // Playwright turns the back/forward cache off by default; a visitor's browser has it on.
  const cached = await chromium.launch({
    executablePath: process.env.DOCENT_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  });
  try {
    const context = await cached.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      document.addEventListener('docent:ready', () => { window.docentReady = true; });
      window.addEventListener('pageshow', (e) => { window.fromCache = e.persisted; });
    });
    const errors = [];
    context.on('page', (page) => page.on('pageerror', (e) => errors.push(String(e))));
    const locks = (page) => page.evaluate(async () => {
      const { held, pending } = await navigator.locks.query();
      return { held: held.map((l) => l.name), pending: pending.map((l) => l.name) };
    });
    const ready = async (page) => {
      await page.goto(server.url);
      await page.waitForFunction(() => window.docentReady === true);
      await page.waitForTimeout(500); // a lock asked for at start-up would be held by now
    };

    const a = await context.newPage();
    await ready(a);
    assert.deepEqual(await locks(a), { held: [], pending: [] }, 'a visitor who has not opened the chat holds no lock');
    await a.evaluate(() => { window.fromCache = undefined; });
    await a.goto(`${server.url}/favicon.svg`);
    // A page restored from the cache fires `pageshow`, not `load`.
    await a.goBack({ waitUntil: 'commit' });
    await a.waitForFunction(() => window.fromCache !== undefined);
    const restored = await a.evaluate(() => {
      const [nav] = performance.getEntriesByType('navigation');
      return { fromCache: window.fromCache, why: JSON.stringify(nav.notRestoredReasons ?? null) };
    });
    assert.equal(restored.fromCache, true, `the page came back from the back/forward cache (not restored because: ${restored.why})`);

    await a.click(sel.launcher);
    await a.locator(sel.agentMessages).first().waitFor();
    const held = (await locks(a)).held;
    assert.equal(held.length, 1, 'the tab with the conversation leads');
    assert.match(held[0], /^docent\|/);

    const b = await context.newPage();
    await ready(b);
    await b.waitForFunction(() => navigator.locks.query().then((q) => q.pending.length === 1), null, { timeout: 10000 });
    assert.deepEqual(await locks(b), { held, pending: held }, 'a tab that follows queues to take over');
    // The leader's visitor follows a link away: that page may go into the cache with the
    // lock, and the follower must still take over.
    await a.goto(`${server.url}/favicon.svg`);
    await b.click(sel.launcher);
    await say(b, 'after the leader left');
    await b.locator(sel.agentMessages).nth(1).waitFor({ timeout: 15000 });
    await b.waitForFunction(() => navigator.locks.query().then((q) => q.held.length === 1 && q.pending.length === 0), null, { timeout: 10000 });
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await cached.close();
    server.stop();
  }
});
