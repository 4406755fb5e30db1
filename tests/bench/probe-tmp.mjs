import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
const port = 20000 + Math.floor(Math.random() * 10000);
const server = spawn(process.env.DOCENT_SERVER_BIN, ['--port', String(port), '--static', process.env.DOCENT_SITE], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 800));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const rate = Number(process.argv[2] ?? 1);
for (let i = 0; i < 4; i += 1) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  await page.addInitScript(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask', buffered: true });
    document.addEventListener('docent:ready', () => { window.readyAt = performance.now(); });
    const look = () => { const el = document.querySelector('[data-testid="docent-input"]'); if (el && el.getBoundingClientRect().width > 0) window.inputAt = performance.now(); else requestAnimationFrame(look); };
    requestAnimationFrame(look);
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(() => window.Docent.open());
  await page.waitForFunction(() => window.inputAt, null, { timeout: 60000 });
  await page.waitForTimeout(1500);
  const r = await page.evaluate(() => ({
    res: performance.getEntriesByType('resource').filter((e) => /docent/.test(e.name)).map((e) => `${e.name.split('/').pop().slice(0, 24)} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`),
    ready: Math.round(window.readyAt), input: Math.round(window.inputAt), long: window.__long,
    dcl: Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd),
  }));
  console.log(JSON.stringify(r));
  await context.close();
}
await browser.close();
server.kill();
