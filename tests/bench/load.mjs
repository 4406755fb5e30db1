// How the widget's loading affects a host page, per loading strategy (`data-load`):
// eager (the wasm right away), idle (after the page's load event, when the browser is idle:
// the default) and open (on the first click). Run by `cargo xtask bench`; prints medians.
//
// For each strategy and network (no throttling; "slow 4G": 150 ms latency, 1.6 Mbit/s) it
// loads a host page with 600 KB of its own images and measures, from navigation start:
//   page load    the host page's load event (does the widget hold the page up?)
//   launcher     the launcher is on screen
//   ready        `docent:ready`: the wasm is running (no click; never for data-load="open")
//   open         in another run, a visitor clicks the launcher as soon as it shows: when
//                the chat window is open (the loader's own until the wasm is in: the visitor
//                can type from then on)
//   greeting     in that run, when the agent's greeting is on screen (the chat is running)
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launchBrowser, artifacts } from '../e2e/harness.mjs';

const RUNS = Number(process.env.DOCENT_BENCH_RUNS ?? 5);
const NETWORKS = {
  'no throttling': null,
  'slow 4G': { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) },
};
const STRATEGIES = ['eager', 'idle', 'open'];

// Host pages, one per strategy, each with images of its own (random bytes: incompressible).
const site = fs.mkdtempSync(path.join(artifacts, 'bench-'));
for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(site, `photo${i}.bmp`), noiseBitmap(256, 260));
for (const load of STRATEGIES) {
  fs.writeFileSync(path.join(site, `bench-${load}.html`), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bench ${load}</title><link rel="icon" href="/favicon.svg"></head>
<body><h1>A host page</h1>
${[0, 1, 2].map((i) => `<img src="/photo${i}.bmp" alt="" width="128" height="130">`).join('\n')}
<script src="/docent/docent.js" data-product-id="pipewise-crm" data-public-key="pk_test_docent" data-load="${load}" defer></script>
</body></html>`);
}

function watch() {
  window.marks = {};
  const mark = (name) => { window.marks[name] ??= performance.now(); };
  document.addEventListener('docent:ready', () => mark('ready'));
  window.addEventListener('load', () => mark('page load'));
  const look = () => {
    const launcher = document.querySelector('.docent-launcher');
    if (launcher && launcher.checkVisibility() && launcher.getBoundingClientRect().width > 0) mark('launcher');
    const win = document.querySelector('.docent-window');
    if (win && win.checkVisibility()) mark('open');
    if (document.querySelector('[data-testid="docent-message"][data-author="agent"]')?.checkVisibility()) mark('greeting');
    if (!window.marks.greeting) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/** A 24-bit BMP of random pixels: a real image that no compression can shrink. */
function noiseBitmap(width, height) {
  const row = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + row * height;
  const bmp = Buffer.alloc(size);
  bmp.write('BM', 0);
  bmp.writeUInt32LE(size, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(width, 18);
  bmp.writeInt32LE(height, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  bmp.writeUInt32LE(row * height, 34);
  for (let i = 54; i < size; i++) bmp[i] = Math.floor(Math.random() * 256);
  return bmp;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const server = await startServer(['--static', site]);
const browser = await launchBrowser();
try {
  const rows = [];
  for (const [network, conditions] of Object.entries(NETWORKS)) {
    for (const load of STRATEGIES) {
      // Untouched (no click): what the widget costs the page. Then a visitor who clicks the
      // launcher the moment it shows: how long until the window is open.
      const quiet = [];
      const eager = [];
      for (let run = 0; run < RUNS; run++) {
        for (const click of [false, true]) {
          const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
          const page = await context.newPage();
          const cdp = await context.newCDPSession(page);
          await cdp.send('Network.enable');
          await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
          if (conditions) await cdp.send('Network.emulateNetworkConditions', conditions);
          await page.addInitScript(watch);
          await page.goto(`${server.url}/bench-${load}.html`, { waitUntil: 'commit' });
          await page.locator('.docent-launcher').waitFor({ state: 'visible', timeout: 60000 });
          if (click) {
            await page.click('.docent-launcher');
            await page.waitForFunction(() => window.marks.open && window.marks.greeting, null, { timeout: 60000 });
          } else {
            await page.waitForFunction((open) => window.marks['page load'] && (open || window.marks.ready), load === 'open', { timeout: 60000 });
          }
          (click ? eager : quiet).push(await page.evaluate(() => window.marks));
          await context.close();
        }
      }
      const row = { network, load };
      for (const name of ['page load', 'launcher', 'ready']) {
        row[name] = load === 'open' && name === 'ready' ? '—' : Math.round(median(quiet.map((r) => r[name])));
      }
      row.open = Math.round(median(eager.map((r) => r.open)));
      row.greeting = Math.round(median(eager.map((r) => r.greeting)));
      rows.push(row);
    }
  }
  console.log(`\nLoading strategies: median of ${RUNS} runs, ms from navigation start (cache off)\n`);
  console.log(`${'network'.padEnd(15)}${'data-load'.padEnd(11)}${'page load'.padStart(10)}${'launcher'.padStart(10)}${'ready'.padStart(10)}${'open'.padStart(10)}${'greeting'.padStart(10)}`);
  for (const r of rows) {
    console.log(`${r.network.padEnd(15)}${r.load.padEnd(11)}${String(r['page load']).padStart(10)}${String(r.launcher).padStart(10)}${String(r.ready).padStart(10)}${String(r.open).padStart(10)}${String(r.greeting).padStart(10)}`);
  }
} finally {
  await browser.close();
  server.stop();
  fs.rmSync(site, { recursive: true, force: true });
}
