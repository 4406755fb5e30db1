// The demo page used as a person would: open the chat, read the greeting, send, see the
// agent type and answer, click a suggestion, fill in the lead form, end the chat — and
// see the plain-words message when the server rejects the session token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sharedServerAndBrowser, startServer, openPage, nextSession, sel, artifacts, say } from './harness.mjs';

const shared = sharedServerAndBrowser();

async function openChat(page) {
  const session = nextSession(page);
  await page.click(sel.launcher);
  await page.waitForSelector(sel.window, { state: 'visible' });
  return session;
}


test('a visitor chats with the agent: greeting, typing, reply, chips', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  let sessionCalls = 0;
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/session')) sessionCalls += 1;
  });
  await page.goto(shared.server.url);
  await page.waitForSelector(sel.launcher);
  await page.waitForTimeout(300);
  assert.equal(sessionCalls, 0, 'a session was created before the visitor opened the chat');
  assert.equal(await page.isVisible(sel.window), false);

  const session = await openChat(page);
  assert.ok((await session).token.split('.').length === 3);
  const greeting = page.locator(sel.agentMessages).first();
  await greeting.waitFor();
  assert.match(await greeting.textContent(), /I'm Ava from Pipewise/);
  assert.equal(await page.textContent(sel.title), 'Ava');
  assert.deepEqual(await page.locator(sel.chips).allTextContents(),
    ['Show me the dashboard', 'Create a deal', 'Show contacts', 'Tell me about pricing']);

  // Watched in the page, at each change of the DOM: a loaded machine may poll too late to
  // see the indicator before the reply hides it.
  await page.evaluate((typing) => {
    const look = () => {
      const el = document.querySelector(typing);
      if (el?.checkVisibility()) window.typingSeen = true;
    };
    new MutationObserver(look).observe(document.body, { childList: true, subtree: true, attributes: true });
  }, sel.typing);
  await say(page, 'Show me the dashboard');
  await page.locator(sel.visitorMessages).last().waitFor();
  assert.equal(await page.locator(sel.visitorMessages).last().textContent(), 'Show me the dashboard');
  await page.waitForFunction(() => window.typingSeen === true, null, { timeout: 10000 });
  const reply = page.locator(sel.agentMessages).nth(1);
  await reply.waitFor();
  assert.equal(await reply.textContent(), "Here's the dashboard! Let me show you the pipeline.");
  assert.equal(await reply.getAttribute('data-speech'), "Here's the dashboard. Let me show you the pipeline.");
  await page.waitForSelector(sel.typing, { state: 'hidden' });
  assert.deepEqual(await page.locator(sel.chips).allTextContents(),
    ['Create a deal', 'Show contacts', 'Tell me about pricing']);
  assert.equal(await page.inputValue(sel.input), '', 'the composer is cleared after sending');
  await page.screenshot({ path: path.join(artifacts, 'chat.png') });

  await page.locator(sel.chips, { hasText: 'Create a deal' }).click();
  await page.locator(sel.agentMessages).nth(2).waitFor();
  assert.equal(await page.locator(sel.visitorMessages).last().textContent(), 'Create a deal');
  assert.match(await page.locator(sel.agentMessages).nth(2).textContent(), /^Creating a deal/);

  // Empty text is refused where the visitor can see it, and nothing is sent.
  const sent = (await shared.server.record((await session).sessionId)).record.visitorMessages.length;
  await say(page, '   ');
  await page.waitForSelector('.docent-composer__hint:not([hidden])');
  assert.equal((await shared.server.record((await session).sessionId)).record.visitorMessages.length, sent);

  assert.deepEqual(errors, []);
  await context.close();
});

test('the lead form: checked, submitted to the server and to the host page', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await page.goto(shared.server.url);
  await page.evaluate(() => {
    window.__leads = [];
    document.addEventListener('docent:lead', (e) => window.__leads.push(e.detail));
  });
  const session = await (await openChat(page));
  await page.locator(sel.agentMessages).first().waitFor();
  await page.locator(sel.chips, { hasText: 'Tell me about pricing' }).click();
  await page.waitForSelector(sel.lead);
  assert.deepEqual(await page.locator(`${sel.lead} input`).evaluateAll((inputs) => inputs.map((i) => i.type)), ['email', 'text']);
  await page.screenshot({ path: path.join(artifacts, 'lead-form.png') });

  await page.fill('#docent-lead-email', 'ada@acme');
  await page.click('.docent-lead__submit');
  await page.waitForSelector('.docent-lead__error:not([hidden])');
  assert.equal((await shared.server.record(session.sessionId)).record.leads.length, 0, 'an invalid lead reached the server');

  await page.fill('#docent-lead-email', 'ada@acme.io');
  await page.fill('#docent-lead-company', 'Acme');
  await page.click('.docent-lead__submit');
  await page.waitForSelector(sel.leadDone);
  const cta = page.locator('.docent-lead__cta');
  assert.equal(await cta.getAttribute('href'), 'https://example.com/signup');
  assert.equal(await cta.getAttribute('target'), '_blank');
  assert.deepEqual(await page.evaluate(() => window.__leads), [{ email: 'ada@acme.io', company: 'Acme' }]);
  let record;
  for (let i = 0; i < 50; i += 1) {
    record = (await shared.server.record(session.sessionId)).record;
    if (record.leads.length) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(record.leads, [{ email: 'ada@acme.io', company: 'Acme' }]);
  assert.deepEqual(errors, []);
  await context.close();
});

// A visitor following a long, quick conversation stays at its newest message (the list's
// scroll events may come after the next messages landed below: they must not read as the
// visitor scrolling up), the list keeps 100-150 rows on screen, and the older ones are one
// click away, in order.
test('a long, quick conversation: the newest stays in view, few rows on screen, the older a click away', async () => {
  const quick = await startServer(['--reply-delay', '0']);
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await page.goto(quick.url);
    await openChat(page);
    await page.locator(sel.agentMessages).first().waitFor();
    const sent = Array.from({ length: 80 }, (_, i) => `hello ${i}`);
    for (const text of sent) {
      const before = await page.locator(sel.agentMessages).last().elementHandle();
      await page.fill(sel.input, text);
      await page.press(sel.input, 'Enter');
      await page.waitForFunction((old) => {
        const rows = document.querySelectorAll('[data-testid="docent-message"][data-author="agent"]');
        return rows[rows.length - 1] !== old;
      }, before);
    }
    await page.waitForTimeout(300);
    const list = await page.evaluate(() => {
      const l = document.querySelector('[data-testid="docent-messages"]');
      return { rows: document.querySelectorAll('[data-testid="docent-message"]').length, below: l.scrollHeight - l.scrollTop - l.clientHeight };
    });
    assert.ok(list.rows >= 100 && list.rows <= 150, `${list.rows} rows on screen`);
    assert.ok(list.below <= 48, `the newest message is ${list.below}px below the view`);
    // Pressed from the top of the list (where a visitor finds it): the row that was first
    // on screen stays where it was, the older ones come above it.
    const before = await page.evaluate(() => {
      const button = document.querySelector('[data-testid="docent-earlier"]');
      button.parentElement.scrollTop = 0;
      window.__firstRow = button.nextElementSibling;
      return window.__firstRow.getBoundingClientRect().top;
    });
    await page.click('[data-testid="docent-earlier"]');
    const after = await page.evaluate(() => window.__firstRow.getBoundingClientRect().top);
    assert.ok(Math.abs(after - before) <= 2, `the row first on screen moved from ${before} to ${after}`);
    assert.deepEqual(await page.locator(sel.visitorMessages).allTextContents(), sent);
    assert.equal(await page.isVisible('[data-testid="docent-earlier"]'), false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    quick.stop();
  }
});

test('a rejected token is explained in plain words and a new chat works', async () => {
  const { page, context } = await openPage(shared.browser);
  // The real server really rejects the socket: only the token in the answer is forged.
  await page.route('**/api/v1/session', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    await route.fulfill({ response, json: { ...body, token: 'forged.token.value' } });
  });
  await page.goto(shared.server.url);
  await openChat(page);
  const status = page.locator(sel.status);
  await status.filter({ hasText: 'sign-in was rejected' }).waitFor();
  assert.equal(await status.textContent(),
    "This chat's sign-in was rejected or has expired. Start a new chat to continue.Start a new chat");
  assert.equal(await page.isDisabled(sel.input), true, 'the composer waits for a new chat');
  await page.screenshot({ path: path.join(artifacts, 'rejected-token.png') });

  await page.unroute('**/api/v1/session');
  const fresh = nextSession(page);
  await page.click('.docent-status__action');
  await fresh;
  await page.locator(sel.agentMessages).first().waitFor();
  await say(page, 'Show contacts');
  await page.locator(sel.agentMessages).nth(1).waitFor();
  assert.match(await page.locator(sel.agentMessages).nth(1).textContent(), /^These are your contacts/);
  await context.close();
});

test('ending the chat ends the session on the server', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await page.goto(shared.server.url);
  const session = await (await openChat(page));
  await page.locator(sel.agentMessages).first().waitFor();
  await page.click(sel.end);
  await page.locator(sel.status).filter({ hasText: 'You ended this chat.' }).waitFor();
  let ended = false;
  for (let i = 0; i < 50 && !ended; i += 1) {
    ended = (await shared.server.record(session.sessionId)).ended;
    if (!ended) await page.waitForTimeout(100);
  }
  assert.equal(ended, true);
  assert.equal(await page.locator(sel.agentMessages).count(), 1, 'the transcript stays on screen');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the demo page: product in an iframe beside the chat (README screenshot)', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  await page.goto(shared.server.url);
  const frame = page.frameLocator('[data-testid="demo-frame"]');
  await frame.locator('[data-testid="pipeline-chart"]').waitFor();
  await openChat(page);
  await page.locator(sel.agentMessages).first().waitFor();
  await say(page, 'Show me the dashboard');
  await page.locator(sel.agentMessages).nth(1).waitFor();
  await page.waitForSelector(sel.typing, { state: 'hidden' });
  await page.screenshot({ path: path.join(artifacts, 'demo-page.png') });
  // The README shows what this run saw.
  await page.screenshot({ path: path.join(import.meta.dirname, '../../docs/screenshot.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
