// The AUI and Amigo dialects in a real browser against the reference server: AUI through the
// key-holding relay to the server's AUI simulator, Amigo to the server's Amigo side (directly,
// and through Docent's Amigo relay in another process). Each page loads its own platform's
// widget build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import http from 'node:http';
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

test('AUI product cards at 320 px: inside the window, scrolled sideways, every card reachable by keyboard', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(`${shared.server.url}/aui.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).filter({ hasText: 'microwave adviser' }).waitFor();
    await say(page, 'I am looking for a built-in microwave with at least 20 liters capacity');
    await page.locator(sel.cards).first().waitFor({ timeout: 20000 });
    const box = await page.locator(sel.window).boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 320, `the window fits the screen (${box.x}+${box.width})`);
    const list = await page.locator('.docent-cards').boundingBox();
    assert.ok(list.x >= box.x && list.x + list.width <= box.x + box.width, 'the card row stays inside the window');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, 'the page does not scroll sideways');
    // Tab from the last visible control onwards reaches each card's link, which scrolls into view.
    const links = page.locator(`${sel.cards} a.docent-card__link`);
    const count = await links.count();
    assert.ok(count >= 2);
    await links.first().focus();
    for (let i = 1; i < count; i += 1) {
      await page.keyboard.press('Tab');
      assert.equal(await links.nth(i).evaluate((a) => a === document.activeElement), true, `Tab reaches card ${i + 1}`);
      // The row scrolls to it (smoothly, so give it a moment).
      const inView = async () => {
        const link = await links.nth(i).boundingBox();
        return link.x >= box.x - 1 && link.x + link.width <= box.x + box.width + 1;
      };
      let shown = await inView();
      for (let wait = 0; !shown && wait < 20; wait += 1) {
        await page.waitForTimeout(100);
        shown = await inView();
      }
      assert.ok(shown, `card ${i + 1}'s link scrolled into view`);
    }
    assert.match(await links.first().getAttribute('aria-label'), /^View .+ \(opens in a new tab\)$/);
    // Each card is named by its title; its picture adds nothing to read out (alt="").
    assert.equal(await page.locator(sel.cards).first().getAttribute('aria-label'), await page.locator(`${sel.cards} .docent-card__title`).first().innerText());
    assert.equal(await page.locator(`${sel.cards} img`).first().getAttribute('alt'), '', 'decorative pictures are skipped by screen readers');
    assert.equal(await page.locator(`${sel.cards} img`).first().getAttribute('loading'), 'lazy');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/**
 * A proxy in front of the server that passes HTTP through and refuses WebSocket upgrades, as
 * some corporate proxies do. Resolves to its base URL; `close()` stops it.
 */
async function startUpgradeRefusingProxy(target) {
  const upstream = new URL(target);
  const proxy = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  proxy.on('upgrade', (req, socket) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${proxy.address().port}`, close: () => proxy.close() };
}

test('AUI with WebSockets blocked: the same conversation goes over HTTP, a typing indicator instead of streaming', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  // The page is served through a proxy that refuses every WebSocket upgrade.
  const proxy = await startUpgradeRefusingProxy(shared.server.url);
  const opened = [];
  const posted = [];
  page.on('websocket', (ws) => opened.push(ws.url()));
  page.on('request', (r) => {
    if (r.url().endsWith('/relay/aui/message')) posted.push(JSON.parse(r.postData()));
  });
  try {
    await page.goto(`${proxy.url}/aui.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).filter({ hasText: 'microwave adviser' }).waitFor();
    await page.locator(sel.status).filter({ hasText: 'Live updates are blocked' }).waitFor({ timeout: 15000 });

    // The typing indicator may show only briefly: note whether it ever did.
    await page.evaluate(() => {
      window.__typingShown = false;
      const typing = document.querySelector('[data-testid="docent-typing"]');
      new MutationObserver(() => { if (!typing.hidden) window.__typingShown = true; })
        .observe(typing, { attributes: true, attributeFilter: ['hidden'] });
    });
    await say(page, 'I am looking for a built-in microwave with at least 20 liters capacity');
    await page.locator(sel.cards).first().waitFor({ timeout: 20000 });
    assert.equal(await page.evaluate(() => window.__typingShown), true, 'typing showed while the call was on its way');
    assert.match(await page.locator(sel.agentMessages).nth(1).innerText(), /I found several built-in microwaves/);
    assert.ok(await page.locator(sel.typing).isHidden(), 'typing ends with the reply');

    const chip = page.locator(sel.chips).first();
    const chipText = await chip.innerText();
    await chip.click();
    await page.locator(sel.agentMessages).nth(2).waitFor({ timeout: 20000 });
    assert.equal(posted.length, 2, 'both messages went over HTTP');
    assert.equal(posted[1].text, chipText);
    assert.ok(posted[0].task_id && posted[1].task_id === posted[0].task_id, 'one task for the conversation');
    assert.equal(posted[0].context?.url, `${proxy.url}/aui.html`);
    assert.equal(await page.locator(sel.visitorMessages).count(), 2, 'each message shown once');
    assert.ok(opened.length >= 2, `the socket was tried first (${opened.length} tries)`);
    // The browser itself logs each refused upgrade; nothing else may go wrong.
    assert.deepEqual(errors.filter((e) => !/WebSocket connection to .* failed/.test(e)), []);
  } finally {
    await context.close();
    proxy.close();
  }
});

test('AUI: a message refused by moderation is said in plain words, goes back to the composer, and the chat goes on', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(JSON.parse(String(f.payload)))));
  try {
    await page.goto(`${shared.server.url}/aui.html`);
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).filter({ hasText: 'microwave adviser' }).waitFor();
    const rude = 'you idiot, which microwave is cheapest?';
    await say(page, rude);
    await page.locator(sel.status).filter({ hasText: "wasn't accepted" }).waitFor({ timeout: 10000 });
    assert.equal(await page.inputValue(sel.input), rude, 'the text is back in the composer');
    assert.equal(await page.locator(sel.visitorMessages).count(), 0, 'the refused message left the list');
    assert.doesNotMatch(await page.locator(sel.status).innerText(), /ended/, 'the chat did not end');

    await page.fill(sel.input, '');
    await say(page, 'Which microwave is cheapest?');
    await page.locator(sel.agentMessages).nth(1).waitFor({ timeout: 20000 });
    assert.equal(sent.length, 2);
    assert.equal(sent[1].task_id, sent[0].task_id, 'the same task goes on');
    assert.deepEqual(errors, []);
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
    await page.locator('.docent-composer__hint').filter({ hasText: '10,001 characters' }).waitFor();
    assert.equal(await page.inputValue(sel.input), long, 'the text is kept');
    assert.equal(await page.locator(sel.visitorMessages).count(), 0);
    assert.match(await page.locator('.docent-composer__count').innerText(), /10,001 \/ 10,000/);
    await page.fill(sel.input, 'b'.repeat(10_000));
    await page.press(sel.input, 'Enter');
    await page.locator(sel.visitorMessages).first().waitFor();
    assert.equal(await page.inputValue(sel.input), '');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("each platform's widget opens its chat in one page of wasm memory (a 16 KiB stack, its data and heap)", async () => {
  // The bench's "memory added" counts the wasm memory in whole pages (64 KiB each): a fresh
  // widget fits in one because its stack is 16 KiB (web/build.rs), which the JSON parser's
  // deepest frame does not need (it does not recurse). A start that needs more heap, or a
  // larger stack, makes this two pages, and the bench's figure 64 KiB larger.
  for (const url of ['plain.html', 'aui.html', 'amigo.html']) {
    const { page, context, errors } = await openPage(shared.browser);
    try {
      await page.addInitScript(() => {
        window.__memories = [];
        for (const name of ['instantiate', 'instantiateStreaming']) {
          const original = WebAssembly[name];
          WebAssembly[name] = function (...args) {
            return original.apply(this, args).then((result) => {
              const exports = (result.instance ?? result).exports;
              window.__memories.push(...Object.values(exports).filter((v) => v instanceof WebAssembly.Memory));
              return result;
            });
          };
        }
      });
      await page.goto(`${shared.server.url}/${url}`);
      await page.click(sel.launcher);
      // The widget's own window (not the loader's) with its composer, then 1.5 s for the
      // session and the first frames, as the bench waits for the page to settle. (Not every
      // platform greets a returning visitor, so there is no first message to wait for.)
      await page.waitForFunction(() => window.__memories.length && document.querySelector('[data-testid="docent"] [data-testid="docent-input"]'));
      await page.waitForTimeout(1500);
      const pages = await page.evaluate(() => window.__memories.map((m) => m.buffer.byteLength / 65536));
      assert.deepEqual(pages, [1], `${url}: one wasm memory of one page with the chat open`);
      assert.deepEqual(errors, [], url);
    } finally {
      await context.close();
    }
  }
});
