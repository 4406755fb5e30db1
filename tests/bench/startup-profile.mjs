// Where the widget's start-up spends the main thread: a CPU profile (CDP Profiler, 100 µs
// samples) from `Docent.open()` until `docent:ready`, 3 cold loads, self time per function,
// the 45 largest. Times are reported, never asserted.
//   node tests/bench/startup-profile.mjs SITE     (SITE: a folder like target/site)
// With the shipped wasm the widget's functions are unnamed; for names, put the glue and wasm
// that `sh tests/bench/attribute.sh` builds (target/bench/attribution-*/named*) in a copy of
// the site under the shipped files' names, and delete their .br/.gz copies.
// Needs DOCENT_SERVER_BIN (the reference server).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
const port = 20000 + Math.floor(Math.random() * 10000);
const server = spawn(process.env.DOCENT_SERVER_BIN, ['--port', String(port), '--static', process.argv[2]], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 800));
const browser = await chromium.launch({ executablePath: process.env.DOCENT_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const self = new Map(); // function (and file) -> ms of self time, over all runs
for (let i = 0; i < 3; i += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await page.addInitScript(() => { document.addEventListener('docent:ready', () => { window.readyAt = performance.now(); }); });
  await page.goto(`http://127.0.0.1:${port}/`);
  await cdp.send('Profiler.start');
  await page.evaluate(() => window.Docent.open());
  await page.waitForFunction(() => window.readyAt, null, { timeout: 60000 });
  await page.waitForTimeout(300);
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, k) => {
    const n = byId.get(id);
    const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
    self.set(name, (self.get(name) ?? 0) + (dt[k] ?? 0) / 1000);
  });
  await context.close();
}
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 45);
console.log("ms per load (self time), function, file");
for (const [name, ms] of top) console.log((ms / 3).toFixed(1).padStart(7), name.slice(0, 160));
await browser.close();
server.kill();
