// Shared set-up of the end-to-end tests: a real reference server (port 0) serving the
// release bundle, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import path from 'node:path';
import fs from 'node:fs';

const root = path.resolve(import.meta.dirname, '../..');
export const artifacts = path.join(root, 'tests/e2e/artifacts');
const hosts = path.join(root, 'tests/e2e/hosts');
fs.mkdirSync(artifacts, { recursive: true });

/** Starts docent-server; resolves once it prints the address it listens on. */
export async function startServer(extraArgs = [], env = {}) {
  const bin = process.env.DOCENT_SERVER_BIN ?? path.join(root, 'target/debug/docent-server');
  const dist = process.env.DOCENT_SITE ?? path.join(root, "target/site");
  // The first folder that has a file serves it: a test's own folder, then the demo site,
  // then the host pages under tests/e2e/hosts.
  const args = ['--port', '0', '--control', '--reply-delay', '400', ...extraArgs, '--static', dist, '--static', hosts];
  const proc = spawn(bin, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 15000);
    proc.stdout.on('data', (chunk) => {
      seen += chunk;
      const match = seen.match(/listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
  return {
    url,
    async record(sessionId) {
      const response = await fetch(`${url}/control/sessions/${sessionId}`);
      return response.json();
    },
    stop() {
      proc.kill('SIGKILL');
    },
  };
}

/**
 * One server and one browser for all the tests of a file: started before the first,
 * stopped after the last. Read `shared.server` and `shared.browser` inside the tests.
 */
export function sharedServerAndBrowser() {
  const shared = { server: null, browser: null };
  before(async () => {
    shared.server = await startServer();
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    shared.server?.stop();
  });
  return shared;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.DOCENT_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** A page that records console errors and page errors, which every test asserts are none. */
export async function openPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { page, context, errors };
}

/** Resolves with the session the widget creates (the POST /api/v1/session answer). */
export function nextSession(page) {
  return page
    .waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST')
    .then((r) => r.json());
}

export const sel = {
  launcher: '[data-testid="docent-launcher"]',
  window: '[data-testid="docent-window"]',
  title: '[data-testid="docent-title"]',
  agentMessages: '[data-testid="docent-message"][data-author="agent"]',
  visitorMessages: '[data-testid="docent-message"][data-author="visitor"]',
  typing: '[data-testid="docent-typing"]',
  activity: '[data-testid="docent-activity"]',
  cards: '[data-testid="docent-card"]',
  chips: '[data-testid="docent-chips"] .docent-chip',
  input: '[data-testid="docent-input"]',
  status: '[data-testid="docent-status"]',
  lead: '[data-testid="docent-lead"]',
  leadDone: '[data-testid="docent-lead-done"]',
  end: '[data-testid="docent-end"]',
};

/** Types `text` into the composer and presses Enter, as a visitor would. */
export async function say(page, text) {
  await page.fill(sel.input, text);
  await page.press(sel.input, 'Enter');
}

/** Loads `url`, opens the chat and waits for the greeting; resolves with the session. */
export async function openChatAt(page, url) {
  await page.goto(url);
  const session = nextSession(page);
  await page.click(sel.launcher);
  await page.locator(sel.agentMessages).first().waitFor();
  return session;
}
