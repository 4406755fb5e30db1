// The AUI and Amigo dialects in a real browser against the reference server: AUI through the
// key-holding relay to the server's AUI simulator, Amigo to the server's Amigo side (directly,
// and through Docent's Amigo relay in another process). Each page loads its own platform's
// widget build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launchBrowser, openPage, sel, say, artifacts } from './harness.mjs';

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

/** Counts, from the page's start, agent rows added to the list and text changes inside rows. */
function watchRows() {
  window.__rows = { agentRowsAdded: 0, textChanges: 0 };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') window.__rows.textChanges += 1;
      for (const node of r.addedNodes) {
        if (node.nodeType === 1 && node.matches?.('[data-testid="docent-message"][data-author="agent"]')) {
          window.__rows.agentRowsAdded += 1;
        }
      }
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
}

test('AUI through the relay: advice streams into one message in place, then product cards; the key never reaches the page', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  const received = [];
  const sent = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => received.push(String(f.payload)));
    ws.on('framesent', (f) => sent.push(JSON.parse(String(f.payload))));
  });
  page.on('response', async (r) => {
    if (r.url().includes('/relay/')) received.push(JSON.stringify(r.headers()) + (await r.text().catch(() => '')));
  });
  try {
    await page.addInitScript(watchRows);
    await page.goto(`${shared.server.url}/aui.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).filter({ hasText: 'microwave adviser' }).waitFor();
    const before = await page.evaluate(() => window.__rows.agentRowsAdded);

    await say(page, 'I am looking for a built-in microwave with at least 20 liters capacity');
    await page.locator(sel.cards).first().waitFor({ timeout: 20000 });
    const reply = page.locator(sel.agentMessages).nth(1);
    assert.match(await reply.locator('.docent-message__bubble').innerText(), /^I found several built-in microwaves/);
    assert.equal(await page.locator(sel.agentMessages).count(), 2, 'the streamed reply and its final message are one bubble');

    const updates = received.filter((f) => f.includes('thread-message-text-content-updated')).length;
    const rows = await page.evaluate(() => window.__rows);
    assert.ok(updates > 3, `the reply streamed (${updates} cumulative updates)`);
    assert.equal(rows.agentRowsAdded - before, 1, 'one row for the reply, never remounted while it grew');
    assert.ok(rows.textChanges >= updates / 2, `text grew in place (${rows.textChanges} text changes)`);

    const cards = page.locator(sel.cards);
    assert.ok(await cards.count() >= 2, 'several products');
    assert.ok(await cards.locator('.docent-card__title').first().innerText());
    assert.ok(await page.locator(`${sel.cards}[data-recommended="true"]`).count() >= 1, 'the recommended one is marked');
    const link = cards.first().locator('a.docent-card__link');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match(await link.getAttribute('rel'), /noopener/);
    await page.waitForFunction(() => [...document.querySelectorAll('.docent-card__image')].every((i) => i.complete && i.naturalWidth > 0));

    // A follow-up chip continues the same task.
    const chip = page.locator(sel.chips).first();
    const chipText = await chip.innerText();
    await chip.click();
    await page.locator(sel.visitorMessages).filter({ hasText: chipText }).waitFor();
    await page.locator(sel.agentMessages).nth(2).waitFor({ timeout: 20000 });
    assert.equal(sent.length, 2, 'two messages went to the relay');
    assert.ok(sent[0].task_id && sent.every((m) => m.task_id === sent[0].task_id), 'one task for the conversation');
    assert.equal(sent[0].context?.url, `${shared.server.url}/aui.html`, 'each message says the page it was written on');

    assert.ok(received.length > 0);
    for (const text of received) assert.ok(!text.includes(AUI_KEY), 'the AUI key reached the page');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(artifacts, 'aui-cards.png') });
  } finally {
    await context.close();
  }
});

test('Amigo: tool activity, streamed tokens in one message, a cut-off turn retried by itself, a reload continues the thread', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  const sockets = [];
  const threads = [];
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framereceived', (f) => {
      const frame = JSON.parse(String(f.payload));
      if (frame.event === 'session.created') threads.push(frame.data.conversation_id);
    });
  });
  try {
    await page.addInitScript(watchRows);
    await page.goto(`${shared.server.url}/amigo.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).filter({ hasText: 'look up an order' }).waitFor();
    assert.match(sockets[0], /\/v1\/6f1c2a3e-9b7d-4c1e-8a2f-0d3b5e7c9a11\/sessions\/connect\?service_id=.*tool_events=true/);

    await say(page, 'where is my order 1234');
    await page.locator(sel.agentMessages).filter({ hasText: '1234' }).waitFor();
    assert.match(await page.locator(sel.activity).innerText(), /lookup order: done/);

    // The server cuts this turn off the first time: the widget tries again by itself.
    await say(page, 'where is order 1234 #stream_interrupted');
    // Done when the third answer is the whole answer (the same as the first time), not a part.
    await page.waitForFunction(() => {
      const answers = [...document.querySelectorAll('[data-testid="docent-message"][data-author="agent"] .docent-message__bubble')];
      return answers.length >= 3 && answers[2].textContent === answers[1].textContent;
    }, null, { timeout: 20000 });
    await page.waitForTimeout(1500);
    assert.equal(await page.locator(sel.agentMessages).count(), 3, 'greeting and two answers, none doubled');
    assert.equal(await page.locator(sel.visitorMessages).count(), 2);
    assert.equal(await page.locator('.docent-message--failed').count(), 0, 'nothing marked undelivered');
    assert.ok(sockets.length >= 2, 'a fresh connection after the cut');

    const shown = await page.locator('[data-testid="docent-message"]').allInnerTexts();
    await page.reload();
    await page.locator(sel.agentMessages).nth(2).waitFor();
    await page.waitForTimeout(1500);
    assert.deepEqual(await page.locator('[data-testid="docent-message"]').allInnerTexts(), shown,
      'the same thread: no second greeting, no doubled or missing turn');

    // The server kills the socket: the widget reconnects to the same thread by itself.
    const before = sockets.length;
    await fetch(`${shared.server.url}/control/sessions/${threads[0]}/close?code=1012`, { method: 'POST' });
    for (let i = 0; i < 100 && sockets.length <= before; i += 1) await page.waitForTimeout(100);
    await say(page, 'book a demo tomorrow');
    await page.locator(sel.agentMessages).nth(3).waitFor({ timeout: 20000 });
    assert.ok(sockets.length > before, 'a new connection after the kill');
    assert.ok(threads.length >= 3 && threads.every((t) => t === threads[0]), `one thread: ${threads}`);
    assert.equal(await page.locator(sel.agentMessages).count(), 4, 'greeting and three answers');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(artifacts, 'amigo-tools.png') });
  } finally {
    await context.close();
  }
});

test('Amigo through the relay: the page holds a relay token, never the Amigo key; a turn streams in; an expired token is renewed on the same thread', async () => {
  // Amigo (the reference server, taking only this key) and, in another process, Docent's
  // relay holding the key and serving the page. Tokens live 3 s, so the test sees one expire.
  const AMIGO_KEY = 'amigo_e2e_Sup3rSecretRelayKey';
  const amigo = await startServer(['--amigo-key', AMIGO_KEY]);
  const relay = await startServer(['--amigo-relay-upstream', amigo.url, '--amigo-relay-token-lifetime', '3'],
    { DOCENT_AMIGO_RELAY_KEY: AMIGO_KEY });
  const { page, context, errors } = await openPage(shared.browser);
  const received = [];
  const sockets = [];
  const threads = [];
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framereceived', (f) => {
      received.push(String(f.payload));
      const frame = JSON.parse(String(f.payload));
      if (frame.event === 'session.created') threads.push(frame.data.conversation_id);
    });
  });
  const tokenCalls = [];
  page.on('response', async (r) => {
    if (r.url().includes('/relay/')) {
      tokenCalls.push(r.status());
      received.push(JSON.stringify(r.headers()) + (await r.text().catch(() => '')));
    }
  });
  try {
    // What the widget hands the browser's WebSocket: the URL and the subprotocols.
    await page.addInitScript(() => {
      const Native = window.WebSocket;
      window.__sockets = [];
      window.WebSocket = class extends Native {
        constructor(url, protocols) {
          window.__sockets.push({ url: String(url), protocols: protocols ?? null });
          super(url, protocols);
        }
      };
    });
    await page.addInitScript(watchRows);
    await page.goto(`${relay.url}/amigo-relay.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).filter({ hasText: 'look up an order' }).waitFor();
    assert.match(sockets[0], /^ws:\/\/127\.0\.0\.1:\d+\/relay\/amigo\/v1\/6f1c2a3e-9b7d-4c1e-8a2f-0d3b5e7c9a11\/sessions\/connect\?service_id=.*&tool_events=true&token=[\w.-]+$/);
    const made = await page.evaluate(() => window.__sockets);
    assert.ok(made.length >= 1 && made.every((s) => s.protocols === null || s.protocols.length === 0),
      `no subprotocol toward the relay: ${JSON.stringify(made)}`);

    const before = await page.evaluate(() => window.__rows.agentRowsAdded);
    await say(page, 'where is my order 1234');
    await page.locator(sel.agentMessages).filter({ hasText: 'should arrive on Thursday' }).waitFor({ timeout: 20000 });
    assert.match(await page.locator(sel.activity).innerText(), /lookup order: done/);
    const tokens = received.filter((f) => f.includes('"event":"token"')).length;
    assert.ok(tokens > 3, `the answer streamed in (${tokens} tokens)`);
    assert.equal(await page.evaluate(() => window.__rows.agentRowsAdded) - before, 1, 'one row for the answer');

    // The token expires; Amigo drops the socket; the widget gets a new token by itself and
    // continues the same thread.
    await page.waitForTimeout(3500);
    await fetch(`${amigo.url}/control/sessions/${threads[0]}/close?code=1012`, { method: 'POST' });
    for (let i = 0; i < 100 && tokenCalls.length < 2; i += 1) await page.waitForTimeout(100);
    await say(page, 'book a demo tomorrow');
    await page.locator(sel.agentMessages).filter({ hasText: 'booked for a demo' }).waitFor({ timeout: 20000 });
    assert.deepEqual(tokenCalls, [200, 200], 'a second token after the first expired');
    assert.ok(threads.length >= 2 && threads.every((t) => t === threads[0]), `one thread: ${threads}`);
    assert.equal(await page.locator(sel.agentMessages).count(), 3, 'greeting and two answers, no second greeting');

    // Not in a frame, a response, the page or its storage.
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.documentElement.outerHTML);
    for (const text of [...received, stored, ...sockets]) assert.ok(!text.includes(AMIGO_KEY), 'the Amigo key reached the page');
    assert.ok(received.length > 10);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(artifacts, 'amigo-relay.png') });
  } finally {
    await context.close();
    relay.stop();
    amigo.stop();
  }
});

test('Amigo: settings it cannot use are refused before connecting, in plain words', async () => {
  const { page, context } = await openPage(shared.browser);
  const messages = [];
  const sockets = [];
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on('websocket', (ws) => sockets.push(ws.url()));
  const ids = { serviceId: '2b8e4d6f-1a3c-4e5b-9d7f-8c0a2e4b6d13', entityId: '9d0f1b2c-3e4a-4b5c-8d6e-7f8a9b0c1d25' };
  try {
    await page.goto(`${shared.server.url}/amigo.html`);
    await page.evaluate((ids) => {
      Docent.destroy();
      Docent.init({ dialect: 'amigo', publicKey: 'pk_test_docent', workspaceId: 'not-a-uuid', ...ids, open: true, load: 'eager' });
    }, ids);
    await page.locator(sel.status).filter({ hasText: /not set up correctly/ }).waitFor();
    assert.ok(messages.some((m) => m.startsWith('error:') && /workspace-id/.test(m)), messages.join('\n'));

    // A key that cannot travel as a WebSocket subprotocol token.
    await page.evaluate((ids) => {
      Docent.destroy();
      Docent.init({ dialect: 'amigo', publicKey: 'pk_test:docent', workspaceId: '6f1c2a3e-9b7d-4c1e-8a2f-0d3b5e7c9a11', ...ids, open: true, load: 'eager' });
    }, ids);
    await page.locator(sel.status).filter({ hasText: /not set up correctly/ }).waitFor();
    assert.ok(messages.some((m) => m.startsWith('error:') && m.includes('`:`')), messages.join('\n'));
    assert.deepEqual(sockets, [], 'no socket was opened for either');
  } finally {
    await context.close();
  }
});

test('Amigo: up to 10,000 characters go; 10,001 are refused in the composer and kept', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await page.goto(`${shared.server.url}/amigo.html`);
    // Another entity than the other tests', so this is a new thread with its own greeting.
    await page.evaluate(() => {
      Docent.destroy();
      Docent.init({ dialect: 'amigo', publicKey: 'pk_test_docent', workspaceId: '6f1c2a3e-9b7d-4c1e-8a2f-0d3b5e7c9a11',
        serviceId: '2b8e4d6f-1a3c-4e5b-9d7f-8c0a2e4b6d13', entityId: '0c4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f60', open: true, load: 'eager' });
    });
    await page.locator(sel.agentMessages).first().waitFor();
    const long = 'a'.repeat(10_001);
    await page.fill(sel.input, long);
    await page.press(sel.input, 'Enter');
    await page.locator('.docent-composer__hint').filter({ hasText: '10001 characters' }).waitFor();
    assert.equal(await page.inputValue(sel.input), long, 'the text is kept');
    assert.equal(await page.locator(sel.visitorMessages).count(), 0);
    assert.match(await page.locator('.docent-composer__count').innerText(), /10001 \/ 10000/);
    await page.fill(sel.input, 'b'.repeat(10_000));
    await page.press(sel.input, 'Enter');
    await page.locator(sel.visitorMessages).first().waitFor();
    assert.equal(await page.inputValue(sel.input), '');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
