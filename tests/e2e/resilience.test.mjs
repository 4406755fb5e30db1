// Never lose a message: a server that drops the socket at random and sends malformed frames,
// a server that stops and comes back, and a browser that goes offline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { startServer, launchBrowser, openPage, nextSession, sel, artifacts, say, openChatAt } from './harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** An agent that repeats every message ("Echo: …"), so each reply names its message. */
function echoScript() {
  const script = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../demo/agent.json'), 'utf8'));
  script.intents = [];
  script.pageEvents = [];
  script.fallback = { text: 'Echo: {text}' };
  const file = path.join(artifacts, 'echo-agent.json');
  fs.writeFileSync(file, JSON.stringify(script));
  return file;
}

const open = openChatAt;

const agentTexts = (page) => page.locator(sel.agentMessages).allTextContents();

test('chaos: 200 messages through random drops and malformed frames arrive once, in order', async () => {
  // Drops every 12th frame at least (so 30+ drops always happen, each connection still
  // carrying some answers) and at random besides, from a fixed seed.
  const server = await startServer([
    '--script', echoScript(), '--reply-delay', '5',
    '--drop-every', '12', '--drop-random', '0.03', '--seed', '7', '--malformed-every', '13',
  ]);
  const { page, context } = await openPage(browser);
  try {
    const session = await open(page, server.url);
    const sent = Array.from({ length: 200 }, (_, i) => `message ${i + 1}`);
    for (const text of sent) {
      await say(page, text);
    }
    const expected = sent.map((t) => `Echo: ${t}`);
    // A long conversation keeps 100-150 rows on screen: each look first brings the older
    // ones back, as a visitor would (the button above the rows), then counts.
    const state = () => page.evaluate(() => (document.querySelector('[data-testid="docent-earlier"]:not([hidden])')?.click(), {
      answers: document.querySelectorAll('[data-testid="docent-message"][data-author="agent"]').length - 1,
      pending: document.querySelectorAll('.docent-message--pending').length,
      failed: document.querySelectorAll('.docent-message--failed').length,
      status: document.querySelector('[data-testid="docent-status"]')?.textContent,
    }));
    const started = Date.now();
    let now = await state();
    while (now.answers < expected.length) {
      assert.equal(now.failed, 0, `a message was given up on: ${JSON.stringify(now)}`);
      assert.ok(Date.now() - started < 150000, `stalled: ${JSON.stringify(now)} ${JSON.stringify(await (await fetch(`${server.url}/control/faults`)).json())}`);
      await page.waitForTimeout(250);
      now = await state();
    }
    await page.waitForTimeout(1500); // any duplicate would have arrived by now
    await state(); // every row on screen
    const shown = (await agentTexts(page)).slice(1);
    assert.deepEqual(shown, expected, 'every reply shown exactly once and in order');
    const visitor = await page.locator(sel.visitorMessages).allTextContents();
    assert.deepEqual(visitor, sent);
    const { record } = await server.record((await session).sessionId);
    assert.deepEqual(record.visitorMessages, sent, 'every message reached the server exactly once, in order');
    const faults = await (await fetch(`${server.url}/control/faults`)).json();
    console.log(`chaos: ${sent.length} messages, ${faults.drops} dropped sockets, ${faults.malformed} malformed frames, ${record.duplicates} resends answered once, ${shown.length} replies shown, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(faults.drops >= 30, `only ${faults.drops} drops: the chaos was too mild to count`);
    assert.ok(faults.malformed >= 10);
  } finally {
    await context.close();
    server.stop();
  }
});

test('chaos, seed-only server: every message is answered once, in order, or marked for Send again', async () => {
  // A server that speaks only seed 002 (no ids, no replyTo; a reply whose connection went is
  // lost) and drops the socket at 3 in 10 visitor messages: before processing one, after
  // processing it with the reply lost, or right after the reply.
  const server = await startServer([
    '--seed-only', '--script', echoScript(), '--reply-delay', '100',
    '--drop-before-turn', '0.1', '--drop-instead-of-reply', '0.1', '--drop-after-reply', '0.1', '--seed', '5',
  ]);
  const { page, context } = await openPage(browser);
  try {
    const session = await open(page, server.url);
    const sent = Array.from({ length: 60 }, (_, i) => `message ${i + 1}`);
    const started = Date.now();
    for (const text of sent) {
      await say(page, text);
      await page.waitForTimeout(150);
    }
    // A long conversation keeps 100-150 rows on screen: each look first brings the older
    // ones back, as a visitor would (the button above the rows), then counts.
    const state = () => page.evaluate(() => (document.querySelector('[data-testid="docent-earlier"]:not([hidden])')?.click(), {
      answers: document.querySelectorAll('[data-testid="docent-message"][data-author="agent"]').length - 1,
      marked: document.querySelectorAll('.docent-message--failed').length,
      pending: document.querySelectorAll('.docent-message--pending').length,
      status: document.querySelector('[data-testid="docent-status"]')?.textContent,
    }));
    let now = await state();
    while (now.answers + now.marked < sent.length) {
      assert.ok(Date.now() - started < 55000, `stalled: ${JSON.stringify(now)} ${JSON.stringify(await (await fetch(`${server.url}/control/faults`)).json())}`);
      await page.waitForTimeout(250);
      now = await state();
    }
    await page.waitForTimeout(1500); // any duplicate would have arrived by now
    await state(); // every row on screen
    const shown = (await agentTexts(page)).slice(1);
    const visitor = await page.locator(sel.visitorMessages).evaluateAll((rows) => rows.map((row) => ({
      text: row.querySelector('.docent-message__bubble').textContent,
      marked: row.classList.contains('docent-message--failed'),
      action: row.querySelector('.docent-message__retry')?.textContent ?? null,
    })));
    assert.deepEqual(visitor.map((v) => v.text), sent, 'every visitor message shown once, in order');
    const { record } = await server.record((await session).sessionId);
    const times = new Map();
    for (const text of record.visitorMessages) times.set(text, (times.get(text) ?? 0) + 1);
    const faults = await (await fetch(`${server.url}/control/faults`)).json();
    const marked = visitor.filter((v) => v.marked);
    console.log(`chaos, seed-only: ${sent.length} sent, ${times.size} processed, ${[...times.values()].filter((n) => n > 1).length} processed twice or more (${record.visitorMessages.length} processings in all), ${shown.length} shown, ${marked.length} marked; ${faults.drops} drops (${faults.beforeTurn} before processing, ${faults.repliesLost} with the reply lost, ${faults.afterReply} after the reply), ${((Date.now() - started) / 1000).toFixed(1)} s`);

    assert.equal(new Set(shown).size, shown.length, `an answer was shown twice: ${shown}`);
    const order = shown.map((answer) => sent.findIndex((text) => answer === `Echo: ${text}`));
    assert.ok(order.every((i) => i >= 0), `an answer to nothing sent: ${shown}`);
    assert.ok(order.every((i, k) => k === 0 || i > order[k - 1]), `answers out of order: ${shown}`);
    for (const [i, text] of sent.entries()) {
      const answered = shown.includes(`Echo: ${text}`);
      const { marked: isMarked, action } = visitor[i];
      assert.ok(answered !== isMarked, `"${text}": answered ${answered}, marked ${isMarked}`);
      if (answered) assert.ok(times.has(text), `"${text}" was answered but never reached the server`);
      if (isMarked) assert.equal(action, 'Send again', `"${text}" is marked without Send again`);
    }
    for (const text of times.keys()) assert.ok(sent.includes(text), `the server got "${text}"`);
    assert.ok(shown.length >= sent.length * 0.95, 'resending is the default: nearly all are answered');
    assert.ok(faults.drops >= sent.length / 4, `only ${faults.drops} drops: fewer than one message in four`);
    assert.ok(faults.beforeTurn >= 3 && faults.repliesLost >= 3 && faults.afterReply >= 3, JSON.stringify(faults));
  } finally {
    await context.close();
    server.stop();
  }
});

test('a server that goes away is waited for, and the conversation continues', async () => {
  const server = await startServer(['--script', echoScript(), '--reply-delay', '5']);
  const { page, context } = await openPage(browser);
  try {
    const session = await open(page, server.url);
    await say(page, 'before');
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: before' }).waitFor();
    // The server refuses new sockets for a while, and the current one is dropped.
    await fetch(`${server.url}/control/refuse?ms=4000`, { method: 'POST' });
    await fetch(`${server.url}/control/sessions/${(await session).sessionId}/close?code=1012`, { method: 'POST' });
    await page.locator(sel.status).filter({ hasText: /Reconnecting in \d+ s/ }).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'reconnecting.png') });
    assert.equal(await page.locator('.docent-status__action').textContent(), 'Retry now');
    await say(page, 'during');
    await page.locator('.docent-message--pending').filter({ hasText: 'during' }).waitFor();
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: during' }).waitFor({ timeout: 30000 });
    assert.equal(await page.isVisible('.docent-message--pending'), false);
    await say(page, 'after');
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: after' }).waitFor();
    const shown = (await agentTexts(page)).slice(1);
    assert.deepEqual(shown, ['Echo: before', 'Echo: during', 'Echo: after']);
  } finally {
    await context.close();
    server.stop();
  }
});

test('the server stops and starts again: the widget reconnects by itself and goes on', async () => {
  const script = echoScript();
  let server = await startServer(['--script', script, '--reply-delay', '5']);
  const port = new URL(server.url).port;
  const { page, context } = await openPage(browser);
  try {
    await open(page, server.url);
    await say(page, 'before the restart');
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: before the restart' }).waitFor();
    server.stop();
    await page.locator(sel.status).filter({ hasText: /Reconnecting in \d+ s/ }).waitFor();
    await say(page, 'while it is down');
    await page.locator('.docent-message--pending').filter({ hasText: 'while it is down' }).waitFor();
    // The new process has a new signing key and no sessions: the widget starts a new
    // session by itself, keeps the transcript, and sends what waited.
    server = await startServer(['--script', script, '--reply-delay', '5', '--port', port]);
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: while it is down' }).waitFor({ timeout: 60000 });
    assert.deepEqual((await agentTexts(page)).slice(1), ['Echo: before the restart', 'Echo: while it is down']);
  } finally {
    await context.close();
    server.stop();
  }
});

test('offline: messages wait, the visitor is told, and they flow when back online', async () => {
  const server = await startServer(['--script', echoScript(), '--reply-delay', '5']);
  const { page, context } = await openPage(browser);
  try {
    await open(page, server.url);
    await say(page, 'online one');
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: online one' }).waitFor();
    await context.setOffline(true);
    await page.locator(sel.status).filter({ hasText: "You're offline — messages will be sent when you're back." }).waitFor();
    await say(page, 'offline one');
    await say(page, 'offline two');
    await page.waitForTimeout(500);
    assert.equal(await page.locator('.docent-message--pending').count(), 2);
    await context.setOffline(false);
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: offline two' }).waitFor({ timeout: 20000 });
    const shown = (await agentTexts(page)).slice(1);
    assert.deepEqual(shown, ['Echo: online one', 'Echo: offline one', 'Echo: offline two']);
  } finally {
    await context.close();
    server.stop();
  }
});

test('a reload keeps the transcript and the unsent queue', async () => {
  const server = await startServer(['--script', echoScript(), '--reply-delay', '5']);
  const { page, context } = await openPage(browser);
  try {
    const session = await open(page, server.url);
    await say(page, 'one');
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: one' }).waitFor();
    await fetch(`${server.url}/control/refuse?ms=5000`, { method: 'POST' });
    await fetch(`${server.url}/control/sessions/${(await session).sessionId}/close?code=1012`, { method: 'POST' });
    await page.locator(sel.status).filter({ hasText: /Reconnecting/ }).waitFor();
    await say(page, 'queued');
    await page.locator('.docent-message--pending').filter({ hasText: 'queued' }).waitFor();

    await page.reload();
    await page.waitForSelector(sel.window, { state: 'visible' });
    assert.deepEqual(await page.locator('[data-testid="docent-message"] .docent-message__bubble').allTextContents().then((t) => t.slice(1)),
      ['one', 'Echo: one', 'queued']);
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: queued' }).waitFor({ timeout: 30000 });
    const { record } = await server.record((await session).sessionId);
    assert.deepEqual(record.visitorMessages, ['one', 'queued'], 'the same session went on after the reload');
  } finally {
    await context.close();
    server.stop();
  }
});

test('an expired session starts a fresh one, keeps the transcript and says so', async () => {
  const server = await startServer(['--script', echoScript(), '--reply-delay', '5']);
  const { page, context } = await openPage(browser);
  try {
    const session = await open(page, server.url);
    await say(page, 'before expiry');
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: before expiry' }).waitFor();
    const fresh = nextSession(page);
    await fetch(`${server.url}/control/sessions/${(await session).sessionId}/expire`, { method: 'POST' });
    await page.locator(sel.status).filter({ hasText: 'a new one was started' }).waitFor();
    assert.notEqual((await fresh).sessionId, (await session).sessionId);
    await say(page, 'after expiry');
    await page.locator(sel.agentMessages).filter({ hasText: 'Echo: after expiry' }).waitFor();
    assert.deepEqual((await agentTexts(page)).slice(1), ['Echo: before expiry', 'Echo: after expiry']);
  } finally {
    await context.close();
    server.stop();
  }
});

test('storage that is corrupted or full is survived with a warning', async () => {
  const server = await startServer(['--script', echoScript(), '--reply-delay', '5']);
  try {
    for (const [what, init, warning] of [
      ['corrupted', () => sessionStorage.setItem('docent:pipewise-crm', '{corrupt'), 'starting a new conversation'],
      ['full', () => { Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); }; }, 'could not save the conversation'],
    ]) {
      const { page, context, errors } = await openPage(browser);
      const warnings = [];
      page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
      try {
        await page.addInitScript(init);
        await open(page, server.url);
        await say(page, `with ${what} storage`);
        await page.locator(sel.agentMessages).filter({ hasText: `Echo: with ${what} storage` }).waitFor();
        // A change is written a moment after it (200 ms), so the warning may follow the reply.
        for (let waited = 0; waited < 3000 && !warnings.some((w) => w.includes(warning)); waited += 100) {
          await page.waitForTimeout(100);
        }
        assert.ok(warnings.some((w) => w.includes(warning)), `${what}: ${warnings.join(' | ')}`);
        assert.deepEqual(errors, [], what);
      } finally {
        await context.close();
      }
    }
  } finally {
    server.stop();
  }
});
