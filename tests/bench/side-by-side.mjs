// Docent side by side with its peers (issue 16), in headless Chromium through Playwright and
// CDP. Run by `cargo xtask bench` (`--quick`: fewer runs, fewer turns); prints tables and writes
// target/bench/side-by-side.json. Times are reported, never asserted.
//
// Pages, each served from 127.0.0.1 by the reference server (nothing from a CDN), every
// widget's files as a CDN serves them: compressed ahead of time (Docent's `.br`/`.gz` by
// `cargo xtask dist`, the peers' here with the same settings), not on each request: a blank
// page; Docent embedded with one script tag as a customer does (the live-demo build from
// target/site, the loader's default `data-load="idle"`, and `data-open="true"`); nlux-core
// (with its nova theme) and deep-chat, installed from npm at the exact versions in
// package.json. Loads are interleaved (blank, Docent, Docent open, nlux, deep-chat, then again)
// and cold (a fresh browser context each: no cache, no storage), at 1x and at 4x CPU
// throttling (CDP Emulation.setCPUThrottlingRate).
//
//   bytes      every response the page fetched for the widget (not the page itself), raw,
//              gzip -9 and brotli q11 (Node's zlib)
//   launcher   ms from navigation start to the launcher on screen (Docent only: the peers
//              draw their composer in place, no launcher)
//   composer   ms to a usable composer on screen: Docent's input (`data-open="true"`), nlux's
//              textarea, deep-chat's text input; "after click": the visitor clicks Docent's
//              launcher the moment it shows, ms from that click to the composer
//   TBT        total blocking time: the sum over long tasks (PerformanceObserver `longtask`) of
//              their time past 50 ms, from navigation start until the page is settled (the
//              composer shown, Docent's wasm running, then 1 s without a new long task)
//   memory     after a forced GC: the JS heap (CDP Runtime.getHeapUsage) plus every wasm
//              linear memory the page instantiated (its buffer's byteLength), minus the
//              blank page's
// Then Docent alone (the peers need a server of their own to be fed over a network; see the
// README): turn latency over a real socket to a zero-delay agent, streaming 5,000 and 500
// updates to 20,000 characters (AUI's cumulative style and Amigo's tokens), and a 2,000-message
// conversation.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execSync } from 'node:child_process';
import { startServer, launchBrowser } from '../e2e/harness.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const QUICK = process.argv.includes('--quick');
const RUNS = Number(process.env.DOCENT_BENCH_RUNS ?? (QUICK ? 3 : 7));
// 5 at 4x since session 12: blocking time is a sum of long tasks that the machine's noise makes
// cross 50 ms or not, and a median of 3 moved by tens of ms between runs of the same code.
const SLOW_RUNS = Number(process.env.DOCENT_BENCH_SLOW_RUNS ?? (QUICK ? 1 : 5));
const TURNS = 200;
const LONG_MESSAGES = QUICK ? 600 : 2000;
// For working on one part: DOCENT_BENCH_PARTS=load,conversation,stream (the default: all).
const PARTS = (process.env.DOCENT_BENCH_PARTS ?? 'load,conversation,stream').split(',');
const AUI_KEY = 'aui_test_bench_0123456789';

const version = (pkg) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'))).version;
const VERSIONS = {
  'nlux-core': version('@nlux/core'),
  'nlux-themes': version('@nlux/themes'),
  'deep-chat': version('deep-chat'),
  'playwright-core': version('playwright-core'),
};

// --- the pages --------------------------------------------------------------------------

const out = path.join(root, 'target/bench');
const site = path.join(out, 'site');
fs.rmSync(site, { recursive: true, force: true });
fs.mkdirSync(path.join(site, 'peers'), { recursive: true });
const copy = (from, to) => fs.copyFileSync(path.join(root, 'node_modules', from), path.join(site, 'peers', to));
copy('@nlux/core/esm/nlux-core.js', 'nlux-core.js');
copy('@nlux/themes/nova.css', 'nlux-nova.css');
copy('deep-chat/dist/deepChat.bundle.js', 'deep-chat.js');
// Compressed ahead of time, as Docent's are: the server sends the ready copy the browser asks for.
for (const file of fs.readdirSync(path.join(site, 'peers'))) {
  const bytes = fs.readFileSync(path.join(site, 'peers', file));
  fs.writeFileSync(path.join(site, 'peers', `${file}.br`), zlib.brotliCompressSync(bytes, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 22 },
  }));
  fs.writeFileSync(path.join(site, 'peers', `${file}.gz`), zlib.gzipSync(bytes, { level: 9 }));
}

const page = (title, body, head = '') => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${title}</title>${head}</head>
<body><h1>A host page</h1><p>Some text of the site.</p>
${body}
</body></html>`;
const box = 'position:fixed;right:16px;bottom:16px;width:380px;height:560px';
const docentTag = (extra = '') =>
  `<script src="/docent/docent.js" data-product-id="pipewise-crm" data-public-key="pk_test_docent"${extra} defer></script>`;
const PAGES = {
  blank: page('blank', ''),
  docent: page('Docent', docentTag()),
  'docent-open': page('Docent open', docentTag(' data-open="true"')),
  'docent-aui': page('Docent AUI', `<script src="/docent/docent.js" data-dialect="aui" data-product-id="microwaves" data-public-key="pk_test_docent" data-open="true" defer></script>`),
  'docent-amigo': page('Docent Amigo', `<script src="/docent/docent.js" data-dialect="amigo" data-public-key="pk_test_docent"
    data-workspace-id="6f1c2a3e-9b7d-4c1e-8a2f-0d3b5e7c9a11" data-service-id="2b8e4d6f-1a3c-4e5b-9d7f-8c0a2e4b6d13"
    data-entity-id="9d0f1b2c-3e4a-4b5c-8d6e-7f8a9b0c1d25" data-open="true" defer></script>`),
  // nlux-core: the vanilla JS build and its default theme; an adapter that answers in the page.
  nlux: page('nlux-core', `<div id="chat" style="${box}"></div>
<script type="module">
  import { createAiChat } from '/peers/nlux-core.js';
  createAiChat()
    .withAdapter({ streamText(message, observer) { observer.next('Echo: ' + message); observer.complete(); } })
    .withDisplayOptions({ themeId: 'nova' })
    .mount(document.getElementById('chat'));
</script>`, '<link rel="stylesheet" href="/peers/nlux-nova.css">'),
  // deep-chat: the self-contained bundle (its dependencies inside), in demo mode (no service).
  'deep-chat': page('deep-chat', `<deep-chat demo="true" style="${box}"></deep-chat>
<script type="module" src="/peers/deep-chat.js"></script>`),
};
for (const [name, html] of Object.entries(PAGES)) fs.writeFileSync(path.join(site, `${name}.html`), html);

// Where each widget's usable composer and launcher are.
const PROBES = {
  blank: { composer: null },
  docent: { launcher: '[data-testid="docent-launcher"]', composer: '[data-testid="docent-input"]', docent: true },
  'docent-open': { launcher: '[data-testid="docent-launcher"]', composer: '[data-testid="docent-input"]', docent: true },
  nlux: { composer: '.nlux-comp-composer textarea' },
  'deep-chat': { composer: 'deep-chat >>> #text-input' },
};

// --- in the page ------------------------------------------------------------------------

/** Runs before any script of the page: marks, long tasks, wasm memories, socket timings. */
function instrument(probes) {
  const marks = (window.__marks = {});
  const mark = (name, t = performance.now()) => { marks[name] ??= t; };
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  // Every wasm instance's exports, to read its linear memory later.
  window.__wasm = [];
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      return original.apply(this, args).then((result) => {
        window.__wasm.push((result.instance ?? result).exports);
        return result;
      });
    };
  }
  // Each socket message: main-thread time from its handler's start until the microtasks it
  // queued have run (a chain of microtasks queued after the handler runs after them).
  window.__frames = [];
  const wrap = (handler) => function (event) {
    const start = performance.now();
    try {
      return handler.call(this, event);
    } finally {
      let depth = 0;
      const step = () => {
        if (++depth < 8) queueMicrotask(step);
        else {
          // What the frame was, from its two ends (a key may sort after a long text).
          const data = String(event.data);
          window.__frames.push([start, performance.now() - start, data.slice(0, 40) + data.slice(-60)]);
        }
      };
      queueMicrotask(step);
    }
  };
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true,
    get() { return onmessage.get.call(this); },
    set(handler) { onmessage.set.call(this, typeof handler === 'function' ? wrap(handler) : handler); },
  });
  const add = EventTarget.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, handler, options) {
    return add.call(this, type, type === 'message' && typeof handler === 'function' ? wrap(handler) : handler, options);
  };
  document.addEventListener('docent:ready', () => mark('ready'));
  addEventListener('pointerdown', () => mark('click'), true);
  const find = (selector) => {
    if (!selector) return null;
    const [outer, inner] = selector.split(' >>> ');
    const el = document.querySelector(outer);
    return inner ? el?.shadowRoot?.querySelector(inner) : el;
  };
  const shown = (el) => {
    if (!el || !el.isConnected || !el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const look = () => {
    if (shown(find(probes.launcher))) mark('launcher');
    const composer = find(probes.composer);
    if (shown(composer) && !composer.disabled) mark('composer');
    if (!marks.composer || (probes.docent && !marks.ready)) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

// --- helpers ----------------------------------------------------------------------------

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const quantile = (xs, q) => {
  const s = sorted(xs);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : null;
};
const summary = (xs) => xs.length ? { median: quantile(xs, 0.5), min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : null;
const round = (x, digits = 0) => (x == null ? null : Number(x.toFixed(digits)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Blocking time of the long tasks that started before `until` (ms). */
const blocking = (tasks, until) =>
  tasks.filter(([start]) => start <= until).reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0);

/** Waits until no long task started in the last `quiet` ms (at most `limit` ms). */
async function settle(page, quiet = 1000, limit = 15000) {
  const started = Date.now();
  let count = -1;
  while (Date.now() - started < limit) {
    const now = await page.evaluate(() => window.__longTasks.length);
    if (now === count) return;
    count = now;
    await sleep(quiet);
  }
}

/** JS heap after a forced GC, plus every wasm memory, in bytes. */
async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  const wasm = await page.evaluate(() =>
    // By type, not by name: a shipped build's exports are minified (`memory` is `oc`).
    window.__wasm.reduce((sum, exports) => sum + Object.values(exports)
      .filter((value) => value instanceof WebAssembly.Memory)
      .reduce((bytes, memory) => bytes + memory.buffer.byteLength, 0), 0));
  return { heap: usedSize, wasm };
}

async function open(browser, name, { throttle = 1, bytes = null } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (throttle !== 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  await page.addInitScript(instrument, PROBES[name] ?? {});
  if (process.env.DOCENT_BENCH_DEBUG) {
    page.on('console', (m) => console.log(name, throttle, m.type(), m.text()));
    page.on('requestfailed', (r) => console.log(name, throttle, 'failed', r.url()));
  }
  if (bytes) {
    page.on('response', async (r) => {
      const url = new URL(r.url());
      // The widget's files only: not the page, nor the agent's API answers.
      if (url.pathname.endsWith('.html') || !url.protocol.startsWith('http') || /^\/(api|relay|control)\//.test(url.pathname)) return;
      bytes.push(r.body().then((b) => ({ path: url.pathname, body: b })).catch(() => null));
    });
  }
  return { context, page, cdp };
}

// --- 1-3: loading, side by side ----------------------------------------------------------

async function loadRun(browser, server, name, { throttle, click = false, bytes = null }) {
  const { context, page, cdp } = await open(browser, name, { throttle, bytes });
  try {
    const probes = PROBES[name];
    await page.goto(`${server.url}/${name}.html`, { waitUntil: 'load' });
    // Playwright puts its own script (≈ 0.55 MB of JS heap) into a page at the first wait
    // for a condition; the blank page waits for nothing, so without this its heap, the
    // baseline of "memory added", would lack it and every widget would carry its weight.
    await page.waitForFunction(() => true);
    if (click) {
      await page.locator(probes.launcher).waitFor({ state: 'visible', timeout: 120000 });
      await page.click(probes.launcher);
    }
    if (probes.composer || probes.docent) {
      const wanted = probes.docent && !click && name === 'docent' ? 'ready' : 'composer';
      await page.waitForFunction((w) => window.__marks[w], wanted, { timeout: 120000, polling: 50 }).catch(async (e) => {
        throw new Error(`${name} at ${throttle}x: no ${wanted} (${JSON.stringify(await page.evaluate(() => window.__marks))}): ${e.message}`);
      });
    }
    await settle(page);
    const marks = await page.evaluate(() => window.__marks);
    const tasks = await page.evaluate(() => window.__longTasks);
    const mem = await memory(page, cdp);
    return { marks, tbt: blocking(tasks, Infinity), ...mem };
  } finally {
    await context.close();
  }
}

async function sizes(list) {
  const files = (await Promise.all(list)).filter(Boolean);
  const total = { raw: 0, gzip: 0, brotli: 0, files: [] };
  for (const { path: p, body } of files) {
    const f = {
      path: p,
      raw: body.length,
      gzip: zlib.gzipSync(body, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(body, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 22, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      }).length,
    };
    total.files.push(f);
    for (const k of ['raw', 'gzip', 'brotli']) total[k] += f[k];
  }
  return total;
}

async function loading(browser, server) {
  // Variants: the page, and whether the visitor clicks Docent's launcher as soon as it shows.
  const variants = [
    ['blank', 'blank', false],
    ['docent', 'docent', false],
    ['docent-open', 'docent-open', false],
    ['docent-click', 'docent', true],
    ['nlux', 'nlux', false],
    ['deep-chat', 'deep-chat', false],
  ];
  const results = {};
  for (const [key] of variants) results[key] = { 1: [], 4: [] };
  const bytes = {};
  // Bytes first, once each, from a warm-up load that is not timed.
  for (const name of ['docent-open', 'nlux', 'deep-chat']) {
    const list = [];
    await loadRun(browser, server, name, { throttle: 1, bytes: list });
    bytes[name] = await sizes(list);
  }
  for (const [throttle, runs] of [[1, RUNS], [4, SLOW_RUNS]]) {
    for (let run = 0; run < runs; run++) {
      for (const [key, name, click] of variants) {
        results[key][throttle].push(await loadRun(browser, server, name, { throttle, click }));
      }
      process.stdout.write(`  ${throttle}x run ${run + 1}/${runs}\n`);
    }
  }
  return { results, bytes };
}

// --- 4-6: Docent's conversation costs -------------------------------------------------

/** In the page: sends `text` as a visitor (input, Enter) and resolves when a new agent
 *  message with text is in the DOM: [ms from the Enter, agent rows now]. New: another
 *  element than the last before (a long conversation takes old rows off screen, so the
 *  count of rows may fall). */
function turn(text) {
  const agents = () => document.querySelectorAll('[data-testid="docent-message"][data-author="agent"]');
  const last = () => { const rows = agents(); return rows[rows.length - 1]; };
  const before = last();
  const input = document.querySelector('[data-testid="docent-input"]');
  return new Promise((resolve) => {
    let start = 0;
    const seen = () => {
      const rows = agents();
      const now = rows[rows.length - 1];
      if (now && now !== before && now.textContent.trim()) {
        observer.disconnect();
        resolve([performance.now() - start, rows.length]);
        return true;
      }
      return false;
    };
    const observer = new MutationObserver(seen);
    observer.observe(document.querySelector('.docent-host') ?? document.body, { childList: true, subtree: true, characterData: true });
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    start = performance.now();
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true }));
  });
}

async function openChat(browser, server, name) {
  const session = await open(browser, 'docent-open');
  await session.page.goto(`${server.url}/${name}.html`);
  // The live-demo and AUI agents greet; Amigo's speaks only when spoken to.
  const ready = name === 'docent-amigo' ? '[data-testid="docent-input"]' : '[data-testid="docent-message"][data-author="agent"]';
  await session.page.locator(ready).first().waitFor({ timeout: 120000 }).catch(async (e) => {
    throw new Error(`${name}: no greeting: ${e.message}\n${(await session.page.content()).slice(0, 2000)}`);
  });
  return session;
}

async function conversation(browser, server) {
  const { context, page, cdp } = await openChat(browser, server, 'docent-open');
  try {
    const latencies = [];
    let rows = 0;
    let turns = 0;
    const memoryAt = {};
    const marks = {};
    const mem0 = await memory(page, cdp);
    // Turn latency over the first TURNS turns; then on to LONG_MESSAGES messages in the
    // conversation (each turn adds two; the widget keeps 100-150 rows on screen).
    const onScreen = () => page.evaluate(() => document.querySelectorAll('[data-testid="docent-message"]').length);
    const greeting = await onScreen();
    const messages = async () => greeting + 2 * turns;
    await cdp.send('Performance.enable');
    const busy = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000;
    let busyFirst = null;
    let replyFirst = null;
    while (turns < TURNS || (await messages()) < LONG_MESSAGES) {
      const busyBefore = turns === 0 ? await busy() : null;
      if (turns === 0) await page.evaluate(() => { window.__frames = []; });
      const batch = await page.evaluate(async ({ n, from, turn: source }) => {
        const run = new Function(`return (${source})`)();
        const out = [];
        for (let i = 0; i < n; i++) out.push(await run(`hello number ${from + i}`));
        return out;
      }, { n: 50, from: turns, turn: turn.toString() });
      if (busyBefore != null) {
        busyFirst = ((await busy()) - busyBefore) / batch.length;
        replyFirst = quantile((await page.evaluate(() => window.__frames)).filter(([, , d]) => d.includes('agent_response')).map(([, ms]) => ms), 0.5);
      }
      for (const [ms, r] of batch) {
        turns += 1;
        rows = r;
        if (turns <= TURNS) latencies.push(ms);
      }
      if (turns === TURNS) memoryAt[TURNS] = await memory(page, cdp);
    }
    const inChat = await messages();
    const rowsOnScreen = await onScreen();
    memoryAt.long = await memory(page, cdp);
    // At LONG_MESSAGES in the chat: append more, one turn at a time (each adds two messages).
    await page.evaluate(() => { window.__frames = []; });
    const busyBefore = await busy();
    const appends = await page.evaluate(async (source) => {
      const run = new Function(`return (${source})`)();
      const out = [];
      for (let i = 0; i < 20; i++) out.push((await run(`one more ${i}`))[0]);
      return out;
    }, turn.toString());
    const busyAppends = ((await busy()) - busyBefore) / appends.length;
    const frames = await page.evaluate(() => window.__frames);
    marks.agentRows = rows;
    return {
      turns: { count: TURNS, p50: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), max: Math.max(...latencies), first10: quantile(latencies.slice(0, 10), 0.5), last10: quantile(latencies.slice(-10), 0.5), busyPerTurn: busyFirst, replyFrameP50: replyFirst },
      long: {
        messages: inChat,
        onScreen: rowsOnScreen,
        turnsSent: turns,
        appendP50: quantile(appends, 0.5),
        appendP95: quantile(appends, 0.95),
        busyPerTurn: busyAppends,
        // The reply frame's handling alone (decode, state, DOM), from the socket handler's start.
        replyFrameP50: quantile(frames.filter(([, , d]) => d.includes('agent_response')).map(([, ms]) => ms), 0.5),
      },
      memory: { start: mem0, [`after ${TURNS} turns`]: memoryAt[TURNS], [`${inChat} messages`]: memoryAt.long },
    };
  } finally {
    await context.close();
  }
}

async function stream(browser, server, name, updates, chars) {
  const { context, page, cdp } = await openChat(browser, server, name);
  try {
    await page.evaluate(() => { window.__frames = []; });
    // All the main thread's work (handlers, effects, animation frames, style, layout, paint),
    // sampled while the message grows: CDP's cumulative TaskDuration against updates handled.
    await cdp.send('Performance.enable');
    const samples = [];
    // Layouts the browser made while the message grew: unlike times, a count that the
    // machine's load barely moves (each forced layout, each frame's own).
    const layouts = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'LayoutCount').value;
    const layoutsBefore = await layouts();
    let streaming = true;
    const sampling = (async () => {
      while (streaming) {
        const { metrics } = await cdp.send('Performance.getMetrics');
        const busy = metrics.find((m) => m.name === 'TaskDuration').value * 1000;
        const frames = await page.evaluate(() => window.__frames.length).catch(() => null);
        if (frames != null) samples.push([frames, busy]);
        await sleep(100);
      }
    })();
    const started = Date.now();
    await page.evaluate((text) => {
      const input = document.querySelector('[data-testid="docent-input"]');
      input.value = text;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true }));
    }, `#bench_stream ${updates} ${chars}`);
    await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="docent-message"][data-author="agent"] .docent-message__bubble')]
      .some((b) => b.textContent.length >= n), chars, { timeout: 300000, polling: 200 });
    const wall = Date.now() - started;
    await sleep(300);
    streaming = false;
    await sampling;
    const layoutCount = (await layouts()) - layoutsBefore;
    // Busy ms per update over the first and the last fifth of the updates.
    const busyPer = (from, to) => {
      const at = (n) => samples.reduce((best, s) => (Math.abs(s[0] - n) < Math.abs(best[0] - n) ? s : best), samples[0]);
      const [a, b] = [at(from), at(to)];
      return b[0] > a[0] ? (b[1] - a[1]) / (b[0] - a[0]) : null;
    };
    const marker = name === 'docent-aui' ? 'text-content-updated' : '"token"';
    if (process.env.DOCENT_BENCH_DEBUG) console.log((await page.evaluate(() => window.__frames)).slice(0, 5));
    const times = (await page.evaluate(() => window.__frames)).filter(([, , d]) => d.includes(marker)).map(([, ms]) => ms);
    const tenth = Math.max(1, Math.floor(times.length / 10));
    return {
      updates, chars, frames: times.length, wallMs: wall,
      p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: Math.max(...times),
      firstTenthP50: quantile(times.slice(0, tenth), 0.5), lastTenthP50: quantile(times.slice(-tenth), 0.5),
      totalMs: times.reduce((a, b) => a + b, 0),
      busyTotalMs: samples.length ? samples.at(-1)[1] - samples[0][1] : null,
      busyPerUpdateFirstFifth: busyPer(0, updates / 5),
      busyPerUpdateLastFifth: busyPer((updates * 4) / 5, updates),
      layouts: layoutCount,
    };
  } finally {
    await context.close();
  }
}

// --- the run ------------------------------------------------------------------------------

const machine = () => ({
  cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGiB: round(os.totalmem() / 2 ** 30, 1), load: os.loadavg().map((l) => round(l, 2)),
});
const startedAt = new Date();
const before = machine();
console.log(`\nSide by side (${QUICK ? 'quick: ' : ''}${RUNS} runs + ${SLOW_RUNS} at 4x CPU). Load average at start: ${before.load.join(', ')} on ${before.cores} cores`);

const server = await startServer(['--reply-delay', '0', '--aui-stream-delay', '0', '--static', site], { DOCENT_AUI_KEY: AUI_KEY });
const browser = await launchBrowser();
const report = { date: startedAt.toISOString(), quick: QUICK, runs: RUNS, slowRuns: SLOW_RUNS, versions: { ...VERSIONS, chromium: browser.version() }, machine: before };
try {
  report.docentCommit = execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim();
} catch { /* not a git checkout */ }
try {
  if (PARTS.includes('load')) {
  console.log('1-3. loading, side by side');
  const { results, bytes } = await loading(browser, server);
  report.bytes = bytes;
  const blankMem = (t) => quantile(results.blank[t].map((r) => r.heap + r.wasm), 0.5);
  report.loading = {};
  for (const [key, perThrottle] of Object.entries(results)) {
    const row = {};
    for (const t of [1, 4]) {
      const runs = perThrottle[t];
      const pick = (f) => summary(runs.map(f).filter((x) => x != null));
      row[`${t}x`] = {
        launcher: pick((r) => r.marks.launcher),
        composer: pick((r) => r.marks.composer),
        afterClick: key === 'docent-click' ? pick((r) => r.marks.composer - r.marks.click) : null,
        tbt: pick((r) => r.tbt),
        heap: pick((r) => r.heap),
        wasm: pick((r) => r.wasm),
        addedMemory: pick((r) => r.heap + r.wasm - blankMem(t)),
      };
    }
    report.loading[key] = row;
  }

  }
  if (PARTS.includes('conversation')) {
    console.log('4. turn latency, 6. long conversation');
    report.conversation = await conversation(browser, server);
  }
  if (PARTS.includes('stream')) console.log('5. streaming');
  report.streaming = {};
  for (const name of PARTS.includes('stream') ? ['docent-aui', 'docent-amigo'] : []) {
    for (const updates of [5000, 500]) {
      report.streaming[`${name === 'docent-aui' ? 'AUI (cumulative)' : 'Amigo (tokens)'} ${updates}`] = await stream(browser, server, name, updates, 20000);
    }
  }
} finally {
  await browser.close();
  server.stop();
}
report.machine.loadAtEnd = os.loadavg().map((l) => round(l, 2));
report.minutes = round((Date.now() - startedAt) / 60000, 1);
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'side-by-side.json'), JSON.stringify(report, null, 2));
console.log(render(report));
console.log(`\nwritten: ${path.relative(root, path.join(out, 'side-by-side.json'))} (${report.minutes} min; load average at the end ${report.machine.loadAtEnd.join(', ')})`);

// --- the table ----------------------------------------------------------------------------

function render(r) {
  const KiB = (b) => (b / 1024).toFixed(1);
  const MiB = (b) => (b == null ? '—' : (b / 2 ** 20).toFixed(2));
  const ms = (s) => (s ? `${Math.round(s.median)} (${Math.round(s.min)}–${Math.round(s.max)})` : '—');
  const lines = [];
  lines.push(`\n${r.date.slice(0, 10)} · ${r.machine.cpu}, ${r.machine.cores} cores · load average ${r.machine.load.join(' ')} at the start · Chromium ${r.versions.chromium} · nlux-core ${r.versions['nlux-core']} (nova theme) · deep-chat ${r.versions['deep-chat']} · Docent ${r.docentCommit ?? ''} (live-demo build)`);
  lines.push(`median (min–max) of ${r.runs} cold runs, ${r.slowRuns} at 4x CPU; ms from navigation start; memory added over the blank page = JS heap + wasm memory\n`);
  lines.push('| | brotli KiB | gzip KiB | raw KiB | launcher, ms | usable composer, ms | same @4x | blocking time @4x, ms | memory added, MiB (heap + wasm) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  const names = { blank: 'blank page', docent: 'Docent, launcher (`data-load="idle"`)', 'docent-open': 'Docent, composer (`data-open="true"`)', 'docent-click': 'Docent, click on the launcher → composer', nlux: `nlux-core ${r.versions['nlux-core']}`, 'deep-chat': `deep-chat ${r.versions['deep-chat']}` };
  for (const [key, label] of Object.entries(r.loading ? names : {})) {
    const row = r.loading[key];
    const b = r.bytes[key === 'docent' || key === 'docent-click' ? 'docent-open' : key];
    const composer = key === 'docent-click'
      ? `+${ms(row['1x'].afterClick)} after the click`
      : key === 'docent' ? '(not opened)' : ms(row['1x'].composer);
    const composer4 = key === 'docent-click' ? `+${ms(row['4x'].afterClick)}` : key === 'docent' ? '—' : ms(row['4x'].composer);
    const heapWasm = `${MiB(row['1x'].addedMemory?.median)} (${MiB(row['1x'].heap?.median)} + ${MiB(row['1x'].wasm?.median)})`;
    lines.push(`| ${label} | ${b ? KiB(b.brotli) : 0} | ${b ? KiB(b.gzip) : 0} | ${b ? KiB(b.raw) : 0} | ${ms(row['1x'].launcher)} | ${composer} | ${composer4} | ${ms(row['4x'].tbt)} | ${key === 'blank' ? `${MiB(row['1x'].heap?.median)} heap` : heapWasm} |`);
  }
  const c = r.conversation;
  if (c) {
    lines.push(`\nDocent's conversation costs (live-demo over a real socket, agent with no delay; ms):\n`);
    lines.push('| | p50 | p95 | max | main thread busy per turn | |');
    lines.push('|---|---:|---:|---:|---:|---|');
    lines.push(`| turn latency: Enter → agent text in the DOM, ${c.turns.count} turns | ${c.turns.p50.toFixed(1)} | ${c.turns.p95.toFixed(1)} | ${c.turns.max.toFixed(1)} | ${c.turns.busyPerTurn?.toFixed(1)} (first 50 turns) | first 10 turns p50 ${c.turns.first10.toFixed(1)}, last 10 ${c.turns.last10.toFixed(1)} |`);
    lines.push(`| one more turn with ${c.long.messages} messages in the chat (${c.long.onScreen} rows on screen) | ${c.long.appendP50.toFixed(1)} | ${c.long.appendP95.toFixed(1)} | | ${c.long.busyPerTurn?.toFixed(1)} | the reply frame's handler alone: p50 ${c.long.replyFrameP50?.toFixed(1)} (${c.turns.replyFrameP50?.toFixed(1)} in the first 50 turns) |`);
    const mem = Object.entries(c.memory).map(([k, m]) => `${k}: ${MiB(m.heap)} + ${MiB(m.wasm)}`).join('; ');
    lines.push(`\nmemory of the conversation page (JS heap + wasm, MiB): ${mem}`);
  }
  if (!r.streaming || !Object.keys(r.streaming).length) return lines.join('\n');
  lines.push('\nStreaming one message to 20,000 characters (ms). handler: per update, from the socket handler\'s start until the microtasks it queued ran; main thread busy: CDP TaskDuration over the stream (handlers, effects, animation frames, style, layout, paint), and per update handled in the first and the last fifth of the updates; layouts: how many the browser made (CDP LayoutCount), a count the load barely moves:\n');
  lines.push('| | updates | handler p50 | p95 | max | first tenth p50 | last tenth p50 | main thread busy, ms | per update, first fifth | last fifth | wall, ms | layouts |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const f = (x, d = 2) => (x == null ? '—' : x.toFixed(d));
  for (const [k, s] of Object.entries(r.streaming)) {
    lines.push(`| ${k.replace(/ \d+$/, '')} | ${s.frames} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.max, 1)} | ${f(s.firstTenthP50)} | ${f(s.lastTenthP50)} | ${f(s.busyTotalMs, 0)} | ${f(s.busyPerUpdateFirstFifth)} | ${f(s.busyPerUpdateLastFifth)} | ${s.wallMs} | ${s.layouts} |`);
  }
  return lines.join('\n');
}
