// Embedding on other people's sites: one script tag, hostile and deliberate host CSS, a
// strict CSP, and the JS API with its events. The host pages are plain files under
// tests/e2e/hosts (nothing builds them); the widget comes from dist/ as a site gets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sharedServerAndBrowser, startServer, openPage, sel, say, artifacts } from './harness.mjs';

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self' ws://127.0.0.1:*";

const shared = sharedServerAndBrowser();

/** Opens the chat on `url` and waits for the greeting. */
async function openChat(page, url) {
  await page.goto(url);
  await page.click(sel.launcher);
  // Off the launcher, which grows a little under the pointer.
  await page.mouse.move(1, 1);
  await page.locator(sel.agentMessages).first().waitFor();
}

/** Boxes and styles of the widget's main parts, to compare one page with another. */
async function measure(page) {
  // Settled first: a transition still running (the launcher grows on hover and shrinks back
  // once the pointer leaves it for the composer) would be measured mid-way on a busy machine.
  await page.evaluate(() => Promise.all(document.getAnimations()
    .filter((a) => a.effect?.getComputedTiming().iterations !== Infinity)
    .map((a) => a.finished.catch(() => {}))));
  return page.evaluate(() => {
    const pick = (selector) => {
      const el = document.querySelector(selector);
      const box = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return {
        box: [box.x, box.y, box.width, box.height].map(Math.round),
        style: [s.fontSize, s.lineHeight, s.fontFamily, s.textTransform, s.letterSpacing, s.boxSizing,
          s.backgroundColor, s.color, s.borderTopWidth, s.paddingTop, s.marginTop, s.display, s.float],
      };
    };
    return {
      launcher: pick('.docent-launcher'),
      icon: pick('.docent-launcher__icon'),
      window: pick('.docent-window'),
      header: pick('.docent-header'),
      title: pick('.docent-header__title'),
      bubble: pick('.docent-message__bubble'),
      chip: pick('.docent-chip'),
      input: pick('.docent-composer__input'),
      send: pick('.docent-composer__send'),
    };
  });
}

/** Every part inside the viewport, and the window not overlapping the launcher. */
function assertLaidOut(parts, viewport) {
  for (const [name, { box }] of Object.entries(parts)) {
    const [x, y, w, h] = box;
    assert.ok(w > 0 && h > 0, `${name} has a size: ${box}`);
    assert.ok(x >= 0 && y >= 0 && x + w <= viewport.width && y + h <= viewport.height, `${name} inside the viewport: ${box}`);
  }
  const [wx, wy, ww, wh] = parts.window.box;
  const [lx, ly, lw, lh] = parts.launcher.box;
  const apart = lx >= wx + ww || lx + lw <= wx || ly >= wy + wh || ly + lh <= wy;
  assert.ok(apart, `the window ${parts.window.box} and the launcher ${parts.launcher.box} do not overlap`);
}

test('a plain site: one script tag gives a launcher, then a working chat laid out in the viewport', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await openChat(page, `${shared.server.url}/plain.html`);
    await say(page, 'hello there');
    await page.locator(sel.agentMessages).nth(1).waitFor();
    const parts = await measure(page);
    assertLaidOut(parts, page.viewportSize());
    assert.equal(await page.locator('.docent-host').count(), 1);
    assert.equal(await page.locator('link[rel="stylesheet"][href*="/docent/docent."]').count(), 1);
    await page.screenshot({ path: path.join(artifacts, 'embed-plain.png') });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a site's generic CSS (*, div, button, input, line-height, content-box) changes nothing", async () => {
  const plain = await openPage(shared.browser);
  const hostile = await openPage(shared.browser);
  try {
    await openChat(plain.page, `${shared.server.url}/plain.html`);
    await openChat(hostile.page, `${shared.server.url}/hostile.html`);
    // The rules did reach the page: its own button is restyled.
    const siteHeader = await hostile.page.evaluate(() => getComputedStyle(document.querySelector('header')).height);
    assert.equal(siteHeader, '120px');
    const expected = await measure(plain.page);
    const got = await measure(hostile.page);
    for (const part of Object.keys(expected)) {
      assert.deepEqual(got[part], expected[part], `${part} looks the same as on a plain page`);
    }
    assertLaidOut(got, hostile.page.viewportSize());
    await hostile.page.screenshot({ path: path.join(artifacts, 'embed-hostile.png') });
    assert.deepEqual([...plain.errors, ...hostile.errors], []);
  } finally {
    await plain.context.close();
    await hostile.context.close();
  }
});

test("a site's deliberate theming (variables and docent-… classes) wins", async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await openChat(page, `${shared.server.url}/themed.html`);
    await say(page, 'hello');
    await page.locator(sel.agentMessages).nth(1).waitFor();
    const look = await page.evaluate(() => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      const box = (selector) => document.querySelector(selector).getBoundingClientRect();
      return {
        launcherBackground: style('.docent-launcher').backgroundColor,
        launcherRadius: style('.docent-launcher').borderTopLeftRadius,
        headerBackground: style('.docent-header').backgroundColor,
        visitorBubble: style('.docent-message--visitor .docent-message__bubble').backgroundColor,
        bubbleRadius: style('.docent-message__bubble').borderTopLeftRadius,
        font: style('.docent-message__bubble').fontFamily,
        fontSize: style('.docent').fontSize,
        windowWidth: box('.docent-window').width,
        launcherLeft: box('.docent-launcher').left,
        windowLeft: box('.docent-window').left,
      };
    });
    assert.equal(look.launcherBackground, 'rgb(15, 118, 110)', 'the accent variable');
    assert.equal(look.visitorBubble, 'rgb(15, 118, 110)', 'derived colours follow the accent');
    assert.equal(look.launcherRadius, '12px', 'a .docent-launcher rule');
    assert.equal(look.headerBackground, 'rgb(17, 24, 39)', 'a .docent-header rule');
    assert.equal(look.bubbleRadius, '2px', 'a .docent-message__bubble rule');
    assert.match(look.font, /^Georgia/);
    assert.equal(look.fontSize, '15px');
    assert.equal(look.windowWidth, 340);
    assert.equal(Math.round(look.launcherLeft), 20, 'data-position="left"');
    assert.equal(Math.round(look.windowLeft), 20);
    assertLaidOut(await measure(page), page.viewportSize());
    await page.screenshot({ path: path.join(artifacts, 'embed-themed.png') });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a strict Content-Security-Policy: the chat and a demo tour run with no violation', async () => {
  const strict = await startServer(['--csp', CSP]);
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const response = await fetch(`${strict.url}/csp.html`);
    assert.equal(response.headers.get('content-security-policy'), CSP, 'the page is served with the policy');
    // Every frame records violations, from its first script on.
    await page.addInitScript(() => {
      window.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.violations.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sample}`);
      });
    });
    await openChat(page, `${strict.url}/csp.html`);
    await say(page, 'Show me the dashboard');
    const frame = page.frameLocator('[data-docent-demo]');
    await frame.locator('[data-docent-highlight]').waitFor({ timeout: 15000 });
    await page.locator(sel.agentMessages).nth(1).waitFor();
    const violations = async () => (await Promise.all(page.frames().map((f) => f.evaluate(() => window.violations)))).flat();
    assert.deepEqual(await violations(), []);
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(artifacts, 'embed-csp.png') });
    // The check can fail: an inline style attribute is refused and reported.
    await page.evaluate(() => document.body.setAttribute('style', 'color: red'));
    await page.waitForFunction(() => window.violations.length > 0);
    assert.match((await violations())[0], /^style-src/);
  } finally {
    await context.close();
    strict.stop();
  }
});

/** Counts what the page has running: sockets, timers, window/document listeners. */
function instrument() {
  const live = { intervals: new Set(), timeouts: new Set(), listeners: new Map(), sockets: [] };
  window.live = live;
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      live.sockets.push(this);
    }
  };
  const { setInterval, clearInterval, setTimeout, clearTimeout } = window;
  window.setInterval = (...args) => {
    const id = setInterval(...args);
    live.intervals.add(id);
    return id;
  };
  window.clearInterval = (id) => {
    live.intervals.delete(id);
    clearInterval(id);
  };
  window.setTimeout = (fn, ms, ...rest) => {
    const id = setTimeout((...a) => {
      live.timeouts.delete(id);
      if (typeof fn === 'function') fn(...a);
    }, ms, ...rest);
    live.timeouts.add(id);
    return id;
  };
  window.clearTimeout = (id) => {
    live.timeouts.delete(id);
    clearTimeout(id);
  };
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  const key = (target, type, fn, options) => {
    if (target !== window && target !== document) return null;
    if (typeof options === 'object' && options?.once) return null;
    const capture = typeof options === 'boolean' ? options : !!options?.capture;
    return `${target === window ? 'window' : 'document'} ${type} ${capture}`;
  };
  const fns = new Map();
  EventTarget.prototype.addEventListener = function (type, fn, options) {
    const k = key(this, type, fn, options);
    if (k && fn && !(fns.get(k) ?? new Set()).has(fn)) {
      fns.set(k, (fns.get(k) ?? new Set()).add(fn));
      live.listeners.set(k, (live.listeners.get(k) ?? 0) + 1);
    }
    return add.call(this, type, fn, options);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, options) {
    const k = key(this, type, fn, options);
    if (k && fns.get(k)?.delete(fn)) live.listeners.set(k, live.listeners.get(k) - 1);
    return remove.call(this, type, fn, options);
  };
  window.running = () => ({
    intervals: live.intervals.size,
    timeouts: live.timeouts.size,
    listeners: Object.fromEntries([...live.listeners].filter(([, n]) => n > 0)),
    openSockets: live.sockets.filter((s) => s.readyState <= 1).length,
  });
}

test('the JS API: init, open, send, close, toggle, events in order, destroy leaves nothing running', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await page.addInitScript(instrument);
    await page.goto(`${shared.server.url}/api.html`);
    await page.waitForFunction(() => window.heard && window.Docent);
    assert.equal(await page.locator('.docent-host').count(), 0, 'no options on the tag: nothing starts by itself');
    const baseline = await page.evaluate(() => window.running());

    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', load: 'eager', title: 'API' }));
    await page.waitForFunction(() => window.heard.some((e) => e.name === 'ready'));
    await page.evaluate(() => Docent.open());
    await page.locator(sel.agentMessages).first().waitFor();
    assert.equal(await page.evaluate(() => Docent.send('   ')), false, 'empty text is refused');
    assert.equal(await page.evaluate(() => Docent.send({ text: 'hi' })), false, 'so is anything but a string');
    await page.click('#ask');
    await page.locator(sel.agentMessages).nth(1).waitFor();
    await page.evaluate(() => Docent.close());
    assert.ok(await page.locator(sel.window).isHidden());
    await page.evaluate(() => Docent.toggle());
    assert.ok(await page.locator(sel.window).isVisible());

    // A dropped connection is reported once, as a connection problem.
    // The saved session is the dialect's own handle (a JSON string; live-demo's holds the id).
    const sessionId = await page.evaluate(() => JSON.parse(JSON.parse(sessionStorage.getItem('docent:pipewise-crm')).session).id);
    await fetch(`${shared.server.url}/control/sessions/${sessionId}/close?code=1012`, { method: 'POST' });
    await page.waitForFunction(() => window.heard.some((e) => e.name === 'error'));

    const heard = await page.evaluate(() => window.heard);
    const names = heard.map((e) => e.name + (e.detail?.author ? `:${e.detail.author}` : ''));
    assert.deepEqual(names, ['ready', 'open', 'message:agent', 'message:visitor', 'message:agent', 'close', 'open', 'error']);
    assert.equal(heard[3].detail.text, 'Thanks, that helps');
    assert.equal(heard[7].detail.kind, 'connection');
    assert.match(heard[7].detail.message, /connection/i);

    await page.locator(sel.status).filter({ hasText: /Connection lost|Connecting/ }).waitFor({ state: 'hidden', timeout: 15000 });
    await page.evaluate(() => Docent.destroy());
    await page.waitForTimeout(800);
    const left = await page.evaluate(() => ({
      nodes: document.querySelectorAll('.docent-host, .docent, [class*="docent-"]').length,
      stylesheets: document.querySelectorAll('link[href*="/docent/"]').length,
      element: Docent.element,
    }));
    assert.deepEqual(left, { nodes: 0, stylesheets: 0, element: null });
    assert.deepEqual(await page.evaluate(() => window.running()), baseline, 'no socket, timer or listener is left');

    // Started again, it picks the conversation up where it was.
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true }));
    await page.locator(sel.visitorMessages).filter({ hasText: 'Thanks, that helps' }).waitFor();
    const again = (await page.evaluate(() => window.heard)).slice(heard.length).map((e) => e.name);
    assert.deepEqual(again, ['ready', 'open'], 'the restored chat was open: the page hears so once');
    assert.deepEqual(errors, []);
    await page.screenshot({ path: path.join(artifacts, 'embed-api.png') });
  } finally {
    await context.close();
  }
});

test('bad options: each is named in the console, the widget still works; a missing one is said', async () => {
  const { page, context } = await openPage(shared.browser);
  const messages = [];
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  try {
    await page.goto(`${shared.server.url}/api.html`);
    await page.waitForFunction(() => window.Docent);
    await page.evaluate(() => Docent.init({ publicKey: 'pk_test_docent', position: 'top', persist: 'forever', load: 'soon', colour: 'red' }));
    await page.click(sel.launcher);
    await page.locator(sel.status).filter({ hasText: 'not set up' }).waitFor();
    const expect = [
      /^error: .*data-product-id \/ productId.*missing/,
      /^warning: .*data-position \/ position = "top"/,
      /^warning: .*data-persist \/ persist = "forever"/,
      /^warning: .*data-load \/ load = "soon"/,
      /^warning: .*no option "colour"/,
    ];
    for (const pattern of expect) {
      assert.ok(messages.some((m) => pattern.test(m)), `${pattern} in:\n${messages.join('\n')}`);
    }
    // The visitor is told too, and the rest of the widget works.
    assert.match(await page.locator(sel.status).textContent(), /product-id/);
    assert.ok(await page.locator(sel.window).isVisible());

    // Fixed by init: the same page now chats.
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true }));
    await page.locator(sel.agentMessages).first().waitFor();
  } finally {
    await context.close();
  }
});

test('data-styles="none" ships no stylesheet: the widget is bare markup for the site to style', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await page.goto(`${shared.server.url}/api.html`);
    await page.waitForFunction(() => window.Docent);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', styles: 'none', open: true }));
    await page.locator(sel.agentMessages).first().waitFor();
    const bare = await page.evaluate(() => ({
      sheets: [...document.styleSheets].filter((s) => s.href?.includes('/docent/')).length,
      position: getComputedStyle(document.querySelector('.docent')).position,
      accent: getComputedStyle(document.querySelector('.docent')).getPropertyValue('--docent-accent'),
    }));
    assert.deepEqual(bare, { sheets: 0, position: 'static', accent: '' });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('loading: the launcher shows at once; the wasm waits for the page load (default) or the first click', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const wasm = [];
    const order = [];
    page.on('load', () => order.push('page load'));
    page.on('request', (r) => {
      if (r.url().endsWith('.wasm')) {
        wasm.push(r.url());
        order.push('wasm');
      }
    });
    await page.goto(`${shared.server.url}/plain.html`, { waitUntil: 'domcontentloaded' });
    await page.locator(sel.launcher).waitFor();
    // The wasm's own root (the loader's has no test id): the widget is running.
    await page.waitForFunction(() => document.querySelector('[data-testid="docent"]') !== null);
    assert.deepEqual(order, ['page load', 'wasm'], 'idle (default): the wasm is fetched once, after the page loaded');

    wasm.length = 0;
    await page.goto(`${shared.server.url}/api.html`);
    await page.waitForFunction(() => window.Docent);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', load: 'open' }));
    await page.locator(sel.launcher).waitFor();
    await page.waitForTimeout(1500);
    assert.equal(wasm.length, 0, 'load="open": nothing fetched before the visitor asks');
    await page.click(sel.launcher);
    await page.locator(sel.agentMessages).first().waitFor();
    assert.equal(wasm.length, 1);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

/** Holds every request for the wasm until `release()` is called (or refuses it, `fail`). */
async function holdWasm(page, { fail = false } = {}) {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  await page.route('**/*.wasm', async (route) => {
    await released;
    if (fail) await route.abort();
    else await route.continue();
  });
  return release;
}

const wasmRoot = () => document.querySelector('[data-testid="docent"]') !== null;

test("a chat open before the wasm is in: the loader's window takes typing at once, and the widget keeps every key, the cursor and the focus", async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const release = await holdWasm(page);
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true }));
    const input = page.locator(sel.input);
    await input.waitFor();
    assert.equal(await page.evaluate(wasmRoot), false, 'the widget is not running yet');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'docent-input', 'the cursor is in the composer');
    assert.equal(await page.locator('.docent-messages').getAttribute('aria-busy'), 'true');
    assert.equal(await page.locator(sel.window).getAttribute('aria-label'), 'Chat with us', "the site's title, as the widget's until the agent's name is known");
    assert.equal(await page.locator(sel.status).or(page.locator('.docent-status')).first().innerText(), 'Starting the chat…');
    await page.evaluate(() => {
      window.__keys = [];
      document.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
      document.addEventListener('docent:ready', () => { window.__ready = performance.now(); });
    });
    await page.keyboard.type('world');
    await page.keyboard.press('Home');
    // Keys typed while the widget takes over: not one may fall between the two windows, and
    // they land where the visitor put the cursor. Typed until well after the widget is in.
    const words = 'Hello, what does a team of five pay for the pipeline and the deals? ';
    let typed = '';
    let after = 0;
    for (let i = 0; after < 12 && i < 3000; i++) {
      if (i === 4) release();
      const key = words[i % words.length];
      await page.keyboard.type(key);
      typed += key;
      if (await page.evaluate(() => window.__ready !== undefined)) after += 1;
    }
    await page.waitForFunction(wasmRoot);
    const { keys, ready } = await page.evaluate(() => ({ keys: window.__keys, ready: window.__ready }));
    assert.ok(keys.some((t) => t < ready) && keys.some((t) => t > ready), 'the widget took over while the visitor was typing');
    assert.equal(await page.locator(sel.input).count(), 1, "one composer: the loader's window is gone");
    assert.equal(await page.inputValue(sel.input), `${typed}world`);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'docent-input');
    await page.locator(sel.agentMessages).first().waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("messages sent in the loader's window wait, shown, and the widget sends them in order with its checks; the box stays free", async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    let release = await holdWasm(page);
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true }));
    await page.locator(sel.input).waitFor();
    const waiting = page.locator('.docent-message--pending');
    await page.keyboard.press('Enter');
    assert.equal(await waiting.count(), 0, 'an empty box sends nothing');
    await page.keyboard.type('Show me the pipeline');
    await page.keyboard.press('Enter');
    await page.keyboard.type('And the deals');
    await page.click('[data-testid="docent-send"]');
    assert.deepEqual(await waiting.allTextContents(), ['Show me the pipeline', 'And the deals'], 'shown as waiting');
    await page.focus(sel.input);
    await page.keyboard.type('still typing');
    assert.equal(await page.inputValue(sel.input), 'still typing', 'the box is free for the next one');
    release();
    await page.locator(sel.visitorMessages).nth(1).waitFor();
    await page.locator(sel.agentMessages).nth(2).waitFor({ timeout: 15000 });
    assert.deepEqual(await page.locator(sel.visitorMessages).allTextContents(), ['Show me the pipeline', 'And the deals'], 'each sent once, in order');
    assert.equal(await page.inputValue(sel.input), 'still typing');

    // Too long for the platform: the widget refuses it where the visitor sees it, and keeps it.
    await page.unroute('**/*.wasm');
    await page.evaluate(() => { Docent.destroy(); localStorage.clear(); sessionStorage.clear(); });
    release = await holdWasm(page);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true }));
    await page.locator(sel.input).waitFor();
    const long = 'x'.repeat(4001);
    await page.fill(sel.input, long);
    await page.keyboard.press('Enter');
    release();
    await page.waitForFunction(wasmRoot);
    await page.locator('.docent-composer__hint:not([hidden])').waitFor();
    assert.match(await page.locator('.docent-composer__hint').textContent(), /4,001/);
    assert.equal(await page.inputValue(sel.input), long, 'the text stays, to be shortened');
    assert.equal(await page.locator(sel.visitorMessages).count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("before the wasm is in, the launcher, Docent.open(), × and Escape open and close the loader's window at once; the widget agrees, and the focus stays where the visitor is", async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const release = await holdWasm(page);
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', load: 'open' }));
    const launcher = page.locator(sel.launcher);
    const focused = () => page.evaluate(() => document.activeElement?.dataset.testid ?? document.activeElement?.id);
    await launcher.click();
    await page.locator(sel.input).waitFor();
    assert.equal(await page.evaluate(wasmRoot), false);
    assert.equal(await launcher.getAttribute('aria-expanded'), 'true');
    assert.equal(await launcher.getAttribute('aria-label'), 'Close chat');
    assert.equal(await focused(), 'docent-input');
    await page.keyboard.type('Typed, then closed');
    await page.keyboard.press('Escape');
    await page.locator(sel.window).waitFor({ state: 'hidden' });
    assert.equal(await launcher.getAttribute('aria-expanded'), 'false');
    assert.equal(await focused(), 'docent-launcher', 'the focus goes back to the launcher');
    await page.evaluate(() => Docent.open());
    await page.locator(sel.window).waitFor();
    await page.click('[data-testid="docent-close"]');
    await page.locator(sel.window).waitFor({ state: 'hidden' });
    await launcher.click();
    await page.locator(sel.window).waitFor();
    await page.click(sel.launcher);
    await page.locator(sel.window).waitFor({ state: 'hidden' });
    await page.evaluate(() => Docent.toggle());
    await page.locator(sel.window).waitFor();
    // The visitor moves on to the page while the window is open.
    await page.focus('#ask');
    release();
    await page.waitForFunction(wasmRoot);
    await page.locator(sel.agentMessages).first().waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.locator('[data-testid="docent"]').getAttribute('data-open'), 'true', 'open, as the visitor left it');
    assert.equal(await focused(), 'ask', 'the focus stays on the page, where the visitor put it');
    assert.equal(await page.inputValue(sel.input), 'Typed, then closed');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('Docent.open() then close() before anything is drawn: the chat stays closed, and the widget agrees', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const release = await holdWasm(page);
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => {
      Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', load: 'open' });
      Docent.open();
      Docent.close();
    });
    await page.locator(sel.launcher).waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.isVisible(sel.window), false, "the loader's window is open");
    release();
    await page.waitForFunction(wasmRoot);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.locator('[data-testid="docent"]').getAttribute('data-open'), 'false');
    assert.equal(await page.isVisible(sel.window), false);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a widget in before its stylesheet: once styled, the open chat has the cursor in its composer', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    let release;
    const styled = new Promise((resolve) => { release = resolve; });
    await page.route(/\/docent[^/]*\.css$/, async (route) => { await styled; await route.continue(); });
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true, load: 'eager' }));
    // The widget has drawn its window, in the host that stays hidden until the stylesheet is in.
    await page.waitForFunction(() => document.querySelector('[data-testid="docent"][data-open="true"] [data-testid="docent-input"]'));
    assert.equal(await page.evaluate(() => document.activeElement === document.body), true);
    release();
    await page.waitForFunction(() => document.activeElement?.matches('[data-testid="docent"] [data-testid="docent-input"]'), null, { timeout: 5000 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('a keyboard user on the launcher keeps the focus on it when the widget takes over', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const release = await holdWasm(page);
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', load: 'open' }));
    await page.focus(sel.launcher); // starts the fetch
    release();
    await page.waitForFunction(wasmRoot);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="docent"]') !== null
      && document.activeElement.dataset.testid === 'docent-launcher'), true, "on the widget's launcher");
    await page.keyboard.press('Enter');
    await page.locator(sel.agentMessages).first().waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("the wasm cannot be fetched: the loader's window says so in the visitor's words and gives back what was sent", async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const release = await holdWasm(page, { fail: true });
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true, locale: 'de' }));
    await page.locator(sel.input).waitFor();
    await page.locator('.docent-status').filter({ hasText: 'Chat wird gestartet…' }).waitFor();
    await page.keyboard.type('Sind Sie da?');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Hallo');
    release();
    await page.locator('.docent-status--error').filter({ hasText: 'Der Chat konnte nicht geladen werden' }).waitFor();
    assert.equal(await page.locator('.docent-message--pending').count(), 0);
    assert.equal(await page.inputValue(sel.input), 'Sind Sie da?\nHallo', 'nothing sent is lost');
    await page.keyboard.type('!');
    assert.equal(await page.inputValue(sel.input), 'Sind Sie da?\nHallo!', 'and the box can be changed');
    assert.ok(errors.some((e) => /The chat could not be loaded/.test(e)), 'the console names the failure');
  } finally {
    await context.close();
  }
});

test('a server that sends the wasm under another type than application/wasm: the chat still starts', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    let served = null;
    await page.route('**/*.wasm', async (route) => {
      const response = await route.fetch();
      served = 'application/octet-stream';
      await route.fulfill({ response, headers: { ...response.headers(), 'content-type': served } });
    });
    await page.goto(`${shared.server.url}/api.html`);
    await page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true }));
    await page.locator(sel.agentMessages).first().waitFor();
    assert.equal(served, 'application/octet-stream', 'the wasm came under the wrong type');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('destroy() and init() again: the page starts the wasm once, and the new widget works', async () => {
  const { page, context, errors } = await openPage(shared.browser);
  try {
    await page.addInitScript(() => {
      window.__instances = 0;
      for (const name of ['instantiate', 'instantiateStreaming']) {
        const original = WebAssembly[name];
        WebAssembly[name] = function (...args) {
          window.__instances += 1;
          return original.apply(this, args);
        };
      }
    });
    await page.goto(`${shared.server.url}/api.html`);
    const start = () => page.evaluate(() => Docent.init({ productId: 'pipewise-crm', publicKey: 'pk_test_docent', open: true, load: 'eager' }));
    await start();
    await page.locator(sel.agentMessages).first().waitFor();
    await page.evaluate(() => Docent.destroy());
    await start();
    await page.waitForFunction(() => document.querySelector('[data-testid="docent"]'));
    await say(page, 'Show me the pipeline');
    await page.locator(sel.visitorMessages).filter({ hasText: 'Show me the pipeline' }).waitFor();
    await page.locator(sel.agentMessages).nth(1).waitFor();
    assert.equal(await page.evaluate(() => window.__instances), 1, 'one wasm instance for the page');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
