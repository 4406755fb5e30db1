// Safe markdown and safe text everywhere the agent's words appear: every payload of
// tests/xss-corpus.jsonl (the corpus the parser's native tests read too) is sent as the
// agent's text and a suggestion (live-demo, through the control endpoint), as the text,
// a suggestion and a product card's fields (AUI's simulator echoes `echo: X`), and as the
// text and a tool's name (Amigo echoes `echo: X`). Nothing may run: no dialog, no global
// set, no request the page did not make before; and each payload's text is shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, openPage, nextSession, sel, say } from './harness.mjs';

const corpus = fs
  .readFileSync(path.resolve(import.meta.dirname, '../xss-corpus.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line));

const AUI_KEY = 'aui_test_e2e_0123456789';
const shared = { server: null, browser: null };
before(async () => {
  // The relay lets one connection send 30 messages a minute: the corpus sends more.
  shared.server = await startServer(['--aui-max-messages', '1000', '--aui-stream-delay', '5', '--reply-delay', '100'], { DOCENT_AUI_KEY: AUI_KEY });
  shared.browser = await launchBrowser();
});
after(async () => {
  await shared.browser?.close();
  shared.server?.stop();
});

/** What every page watches: dialogs, and requests made once the payloads started. */
async function watched(file, server = shared.server) {
  const { page, context, errors } = await openPage(shared.browser);
  const watch = { dialogs: [], requests: [], sending: false };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on('request', (request) => {
    // While the payloads arrive, the page may only talk to its agent (REST and sockets).
    const url = new URL(request.url());
    const agent = url.origin === server.url && /^\/(api|relay|ws|v1)\//.test(url.pathname);
    if (watch.sending && !agent) watch.requests.push(request.url());
  });
  const session = nextSession(page).catch(() => null);
  await page.goto(`${server.url}/${file}`);
  await page.click(sel.launcher);
  await page.locator(sel.agentMessages).first().waitFor({ timeout: 20000 });
  watch.sending = true;
  return { page, context, errors, watch, session };
}

/** What a bubble holds: only the elements markdown makes, and links only to safe schemes. */
async function bubbleShape(page) {
  return page.evaluate(() => {
    const allowed = new Set(['DIV', 'P', 'UL', 'OL', 'LI', 'PRE', 'STRONG', 'EM', 'CODE', 'A', 'BR']);
    const bad = [];
    for (const bubble of document.querySelectorAll('.docent-message__bubble')) {
      for (const el of bubble.querySelectorAll('*')) {
        if (!allowed.has(el.tagName)) bad.push(el.outerHTML);
        for (const attr of el.attributes) {
          if (!['class', 'href', 'target', 'rel', 'start'].includes(attr.name)) bad.push(`${el.tagName} ${attr.name}`);
        }
        if (el.tagName === 'A') {
          if (!/^(https?:|mailto:)/i.test(el.getAttribute('href'))) bad.push(el.outerHTML);
          if (el.rel !== 'noopener noreferrer' || el.target !== '_blank') bad.push(el.outerHTML);
        }
      }
    }
    return bad;
  });
}

async function nothingRan(page, watch, errors) {
  // Give late handlers (an image's onerror, a timer) their chance.
  await page.waitForTimeout(500);
  assert.deepEqual(watch.dialogs, [], 'no dialog');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no global set');
  assert.deepEqual(watch.requests, [], 'no request but to the agent');
  assert.deepEqual(await bubbleShape(page), [], 'only markdown elements, only safe links');
  assert.deepEqual(errors, []);
}

/** The first suggestion chip shows `payload` as it is, as text. */
async function chipShows(page, payload) {
  await page.waitForFunction((payload) => document.querySelector('[data-testid="docent-chips"] .docent-chip')?.textContent === payload,
    payload, { timeout: 20000 }).catch(async () => {
    assert.fail(`the chip shows ${JSON.stringify(await page.locator(sel.chips).first().textContent())}, not ${JSON.stringify(payload)}`);
  });
}

const bubble = (page, n) => page.locator(sel.agentMessages).nth(n).locator('.docent-message__bubble');

test(`live-demo: ${corpus.length} payloads as the agent's text and suggestions`, async () => {
  const { page, context, errors, watch, session } = await watched('plain.html');
  try {
    const { sessionId } = await session;
    const first = await page.locator(sel.agentMessages).count();
    for (const [i, { payload, shows }] of corpus.entries()) {
      // The greeting comes with the session, before the socket may be open: the server can
      // say something only to an open socket, so the first call may find none yet.
      let answer;
      for (let tries = 0; tries < 50; tries++) {
        const response = await fetch(`${shared.server.url}/control/sessions/${sessionId}/say`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: payload, suggestions: [payload] }),
        });
        answer = await response.json();
        if (answer.sent) break;
        await page.waitForTimeout(100);
      }
      assert.deepEqual(answer, { sent: true });
      await page.locator(sel.agentMessages).nth(first + i).waitFor();
      const shown = await bubble(page, first + i).textContent();
      assert.ok(shown.includes(shows), `${JSON.stringify(payload)} shows ${JSON.stringify(shown)}`);
      await chipShows(page, payload);
    }
    await nothingRan(page, watch, errors);
  } finally {
    await context.close();
  }
});

test(`AUI: ${corpus.length} payloads as the agent's text, suggestions and product card fields`, async () => {
  const { page, context, errors, watch } = await watched('aui.html');
  try {
    const first = await page.locator(sel.agentMessages).count();
    for (const [i, { payload, shows }] of corpus.entries()) {
      await say(page, `echo: ${payload}`);
      const row = page.locator(sel.agentMessages).nth(first + i);
      await row.locator(sel.cards).waitFor({ timeout: 20000 });
      const shown = await row.locator('.docent-message__bubble').textContent();
      assert.ok(shown.includes(shows), `${JSON.stringify(payload)} shows ${JSON.stringify(shown)}`);
      const card = await row.locator(sel.cards).textContent();
      assert.ok(card.includes(payload.trim()), `the card shows ${JSON.stringify(payload)}: ${JSON.stringify(card)}`);
      await chipShows(page, payload);
    }
    await nothingRan(page, watch, errors);
  } finally {
    await context.close();
  }
});

test(`Amigo: ${corpus.length} payloads as the agent's streamed text and tool names`, async () => {
  const { page, context, errors, watch } = await watched('amigo.html');
  try {
    const first = await page.locator(sel.agentMessages).count();
    for (const [i, { payload, shows }] of corpus.entries()) {
      await say(page, `echo: ${payload}`);
      const row = page.locator(sel.agentMessages).nth(first + i);
      await row.waitFor({ timeout: 20000 });
      await page.waitForFunction(([n, shows]) => {
        const rows = document.querySelectorAll('[data-testid="docent-message"][data-author="agent"] .docent-message__bubble');
        return rows[n]?.textContent.includes(shows);
      }, [first + i, shows], { timeout: 20000 }).catch(async () => {
        assert.fail(`${JSON.stringify(payload)} shows ${JSON.stringify(await row.textContent())}`);
      });
      const tool = payload.trim().replaceAll('_', ' ');
      await page.waitForFunction(([tool]) => document.querySelector('[data-testid="docent-activity"]')?.textContent.includes(tool),
        [tool.split('\n')[0]], { timeout: 20000 });
    }
    await nothingRan(page, watch, errors);
  } finally {
    await context.close();
  }
});

test('markdown renders as a reply streams: finished blocks are built once, the row is never remounted', async () => {
  // A server of its own: Amigo continues the host page's thread, which the corpus test filled.
  const server = await startServer();
  const { page, context, errors, watch } = await watched('amigo.html', server);
  try {
    // Every element that appears in an agent bubble, and every one taken out again.
    await page.evaluate(() => {
      window.__md = { added: [], removed: [], strongWhileStreaming: false };
      new MutationObserver((records) => {
        for (const r of records) {
          const inBubble = r.target.closest?.('.docent-message__bubble') ?? r.target.parentElement?.closest('.docent-message__bubble');
          if (!inBubble) continue;
          for (const n of r.addedNodes) if (n.nodeType === 1) window.__md.added.push(n);
          for (const n of r.removedNodes) if (n.nodeType === 1) window.__md.removed.push(n);
          if (inBubble.querySelector('strong') && !inBubble.textContent.includes('end')) window.__md.strongWhileStreaming = true;
          // The first paragraph and list of the reply as first drawn.
          if (inBubble.textContent.startsWith('First')) {
            window.__md.p ??= inBubble.querySelector('p');
            window.__md.ul ??= inBubble.querySelector('ul');
          }
        }
      }).observe(document.querySelector('[data-testid="docent-messages"]'), { childList: true, subtree: true, characterData: true });
    });
    const rows = await page.locator(sel.agentMessages).count();
    const row = await page.locator(sel.agentMessages).first().elementHandle();
    const text = 'First **paragraph** here.\n\n- one\n- two `code`\n\nSee [the docs](https://example.com/docs) *end*';
    await say(page, `echo: ${text}`);
    const reply = page.locator(sel.agentMessages).nth(rows);
    await reply.locator('em').waitFor({ timeout: 20000 });
    await page.waitForTimeout(300);
    const bubble = reply.locator('.docent-message__bubble');
    assert.equal(await bubble.evaluate((b) => b.querySelector('.docent-message__text').innerHTML),
      '<p>First <strong>paragraph</strong> here.</p><ul><li>one</li><li>two <code>code</code></li></ul>'
      + '<p>See <a href="https://example.com/docs" target="_blank" rel="noopener noreferrer">the docs</a> <em>end</em></p>');
    const seen = await page.evaluate(() => {
      const bubble = document.querySelectorAll('[data-testid="docent-message"][data-author="agent"] .docent-message__bubble');
      const final = new Set(bubble[bubble.length - 1].querySelectorAll('*'));
      const last = bubble[bubble.length - 1];
      return {
        sameP: last.querySelector('p') === window.__md.p,
        sameUl: last.querySelector('ul') === window.__md.ul,
        finalEverRemoved: window.__md.removed.filter((n) => final.has(n)).length,
        removed: window.__md.removed.length,
        strongWhileStreaming: window.__md.strongWhileStreaming,
      };
    });
    assert.ok(seen.sameP && seen.sameUl, `finished blocks are the nodes first drawn: ${JSON.stringify(seen)}`);
    assert.equal(seen.finalEverRemoved, 0, 'no element of the finished reply was ever taken out and put back');
    assert.ok(seen.strongWhileStreaming, 'bold showed while the reply was still arriving');
    assert.ok(await row.evaluate((r) => r.isConnected), 'the greeting row is the same node');
    await nothingRan(page, watch, errors);
  } finally {
    await context.close();
    server.stop();
  }
});

test('control: markup that did get in would be caught (a dialog, a request, a foreign element)', async () => {
  const { page, context, watch } = await watched('plain.html');
  try {
    await page.evaluate(() => document.querySelector('.docent-message__bubble')
      .insertAdjacentHTML('beforeend', '<img src="/caught.png" onerror="alert(1); window.__xss = 1">'));
    await page.waitForTimeout(500);
    assert.deepEqual(watch.dialogs, ['1']);
    assert.equal(await page.evaluate(() => window.__xss), 1);
    assert.ok(watch.requests.some((url) => url.endsWith('/caught.png')), JSON.stringify(watch.requests));
    assert.equal((await bubbleShape(page)).length, 3, 'the img, its src and its onerror');
  } finally {
    await context.close();
  }
});
