// Parity of the two ways page commands reach the one executor: a demo on the widget's own
// origin (the widget imports executor.js and hands it the iframe's window) and a demo on
// another origin (the bridge imports it in the demo page, driven over postMessage). The same
// fixtures — every command kind, each way one can fail, and Stop in the middle of a tour —
// run through both, and the outcomes must be the same, and the expected ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { sharedServerAndBrowser, startServer, openPage, sel, artifacts, say, openChatAt } from './harness.mjs';

const shared = sharedServerAndBrowser();
const root = path.resolve(import.meta.dirname, '../..');
const site = process.env.DOCENT_SITE ?? path.join(root, 'target/site');

// The fixture page (the same elements as tests/commands.rs's, plus an SVG shape, which has
// no click(), and an option with a non-ASCII label). It logs what the demo's own scripts
// see: each event, the field's value then, and whether it is an Event of the demo's realm.
const FIXTURE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parity</title></head>
<body>
<form id="deal-form">
  <input id="deal-name">
  <select id="deal-stage">
    <option value="lead">Lead</option>
    <option value="proposal">Proposal</option>
    <option value="won">Won</option>
    <option value="ete">Été</option>
  </select>
  <button id="go" type="button">Go</button>
  <div id="plain">not a field</div>
  <svg width="20" height="20"><rect id="shape" width="20" height="20"></rect></svg>
</form>
<div style="height: 3000px"></div>
<div id="far-away" data-testid="far-away" style="height: 50px">bottom</div>
<script>
  window.parityLog = [];
  window.deepestScroll = 0;
  addEventListener('scroll', () => { window.deepestScroll = Math.max(window.deepestScroll, scrollY); });
  for (const id of ['deal-name', 'deal-stage', 'go']) {
    for (const kind of ['input', 'change', 'click']) {
      document.getElementById(id).addEventListener(kind, (e) => {
        window.parityLog.push(kind + ':' + id + ':' + (e.target.value || '') + ':' + (e instanceof Event));
      });
    }
  }
</script>
<script src="bridge.js" data-parent-origin="PARENT"></script>
</body></html>
`;

const STOP_TEXT = 'Stop me before the end of this long name';

const FIXTURES = [
  { action: 'navigate', url: '/crm/parity.html' },
  { action: 'wait', selector: '#deal-form', timeout: 3000 },
  { action: 'type', selector: '#deal-name', text: 'Parity Ltd — 7 seats' },
  { action: 'select', selector: '#deal-stage', value: 'proposal' },
  { action: 'select', selector: '#deal-stage', value: ' WON ' },
  { action: 'click', selector: '#go' },
  { action: 'scroll', selector: "[data-testid='far-away']" },
  { action: 'click', selector: 'div:nope' },
  { action: 'click', selector: '#missing' },
  { action: 'click', selector: '#shape' },
  { action: 'type', selector: '#plain', text: 'x' },
  { action: 'select', selector: '#plain', value: 'x' },
  { action: 'select', selector: '#deal-stage', value: 'lost' },
  // Rust's eq_ignore_ascii_case: "Été" is not "ÉTÉ" (the old bridge's toLowerCase said it was).
  { action: 'select', selector: '#deal-stage', value: 'ÉTÉ' },
  { action: 'wait', selector: '#never', timeout: 300 },
  { action: 'navigate', url: 'https://evil.example/' },
  { action: 'navigate', url: 'javascript:alert(1)' },
  { action: 'highlight', selector: '#deal-name' },
];

// A command refused when the reply arrives is reported then, before any runs.
const EXPECTED_FAILURES = [
  ['navigate', null, /`javascript:` URLs are not allowed/],
  ['click', 'div:nope', '`div:nope` is not a valid CSS selector'],
  ['click', '#missing', 'nothing on the demo page matches `#missing`'],
  ['click', '#shape', 'the shape cannot be clicked'],
  ['type', '#plain', 'the plain is not a text field'],
  ['select', '#plain', 'the plain is not a dropdown'],
  ['select', '#deal-stage', 'the deal stage has no option “lost”'],
  ['select', '#deal-stage', 'the deal stage has no option “ÉTÉ”'],
  ['wait', '#never', 'the never did not appear within 0.3 s'],
  ['navigate', null, "https://evil.example is not the demo's origin (DEMO) nor an allowed one"],
];

/** The default agent, with two intents of our own in front. */
function agentScript() {
  const agent = JSON.parse(fs.readFileSync(path.join(root, 'demo/agent.json'), 'utf8'));
  agent.intents.unshift(
    { name: 'parity-run', phrases: ['parity run'], reply: { text: 'Running the fixtures.', iframeCommands: FIXTURES } },
    { name: 'parity-stop', phrases: ['parity stop'], reply: { text: 'Typing a long name.', iframeCommands: [
      { action: 'navigate', url: '/crm/parity.html' },
      { action: 'type', selector: '#deal-name', text: STOP_TEXT },
      { action: 'click', selector: '#go' },
    ] } },
  );
  const file = path.join(artifacts, 'parity-agent.json');
  fs.writeFileSync(file, JSON.stringify(agent));
  return file;
}

function writeFixture(dir, parent) {
  fs.mkdirSync(path.join(dir, 'crm'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'crm/parity.html'), FIXTURE.replace('PARENT', parent));
}

/** The demo on the host's own origin: the demo site plus the fixture page. */
async function sameOrigin(script) {
  const dir = fs.mkdtempSync(path.join(artifacts, 'parity-same-'));
  writeFixture(dir, 'https://unused.example');
  const host = await startServer(['--script', script, '--static', dir]);
  return { host, demoUrl: host.url, stop: () => host.stop() };
}

/** The demo on another origin, whose bridge trusts the host (as in tour.test.mjs). */
async function crossOrigin(script) {
  const demoRoot = fs.mkdtempSync(path.join(artifacts, 'parity-cross-'));
  fs.cpSync(path.join(root, 'demo/crm'), path.join(demoRoot, 'crm'), { recursive: true });
  const demoServer = await startServer(['--static', demoRoot]);
  const hostRoot = fs.mkdtempSync(path.join(artifacts, 'parity-host-'));
  fs.cpSync(site, hostRoot, { recursive: true });
  const index = path.join(hostRoot, 'index.html');
  fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('src="crm/dashboard.html"', `src="${demoServer.url}/crm/dashboard.html"`));
  const host = await startServer(['--script', script, '--static', hostRoot]);
  for (const file of fs.readdirSync(path.join(demoRoot, 'crm')).filter((f) => f.endsWith('.html'))) {
    const page = path.join(demoRoot, 'crm', file);
    fs.writeFileSync(page, fs.readFileSync(page, 'utf8').replace(/data-parent-origin="[^"]*"/, `data-parent-origin="${host.url}"`));
  }
  writeFixture(demoRoot, host.url);
  return { host, demoUrl: demoServer.url, stop: () => { host.stop(); demoServer.stop(); } };
}

async function waitForTourEnd(page) {
  await page.waitForFunction(() => !document.querySelector('.docent-status--tour'), null, { timeout: 30000 });
}

/** The demo frame (on whichever origin: Playwright reaches cross-origin frames too). */
function demoFrame(page) {
  const frame = page.frames().find((f) => f.url().endsWith('/crm/parity.html'));
  assert.ok(frame, `no parity frame among ${page.frames().map((f) => f.url())}`);
  return frame;
}

/** The page commands that failed, as the server heard them, once `count` have arrived. */
async function failures(pair, sessionId, count) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const { record } = await pair.host.record(sessionId);
    const failed = record.pageEvents.filter((e) => e.event === 'command_failed');
    if (failed.length >= count || Date.now() > deadline) {
      // The demo's origin differs between the two set-ups: the same words otherwise.
      return failed.map((e) => [e.action, e.selector ?? null, e.error.split(pair.demoUrl).join('DEMO')]);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs all the fixtures in one set-up; resolves with everything observable about them. */
async function runFixtures(setUp) {
  const pair = await setUp(agentScript());
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const session = await openChatAt(page, pair.host.url);
    await say(page, 'parity run');
    await page.locator(sel.agentMessages).filter({ hasText: 'Running the fixtures' }).waitFor();
    await waitForTourEnd(page);
    const frame = demoFrame(page);
    const outcome = {
      failures: await failures(pair, session.sessionId, EXPECTED_FAILURES.length),
      log: await frame.evaluate(() => window.parityLog),
      name: await frame.evaluate(() => document.getElementById('deal-name').value),
      stage: await frame.evaluate(() => document.getElementById('deal-stage').value),
      scrolled: await frame.evaluate(() => window.deepestScroll > 2000),
      highlight: await frame.evaluate(() => document.querySelector('[data-docent-highlight]')?.getAttribute('data-docent-highlight') ?? null),
      errors,
    };
    await page.screenshot({ path: path.join(artifacts, `parity-${setUp.name}.png`) });
    return outcome;
  } finally {
    await context.close();
    pair.stop();
  }
}

/** Presses Stop while a long text is being typed; resolves with what was left done. */
async function runStop(setUp) {
  const pair = await setUp(agentScript());
  const { page, context, errors } = await openPage(shared.browser);
  try {
    const session = await openChatAt(page, pair.host.url);
    await say(page, 'parity stop');
    await page.locator(sel.status).filter({ hasText: 'Typing into' }).waitFor({ timeout: 15000 });
    await page.click('.docent-status__action');
    await waitForTourEnd(page);
    await page.waitForTimeout(1500); // what a Stop that was not honoured would still do
    const frame = demoFrame(page);
    return {
      typed: await frame.evaluate(() => document.getElementById('deal-name').value),
      clicked: await frame.evaluate(() => window.parityLog.some((e) => e.startsWith('click:go'))),
      failures: await failures(pair, session.sessionId, 0),
      errors,
    };
  } finally {
    await context.close();
    pair.stop();
  }
}

function assertExpected(outcome, label) {
  assert.equal(outcome.failures.length, EXPECTED_FAILURES.length, `${label}: ${JSON.stringify(outcome.failures, null, 1)}`);
  EXPECTED_FAILURES.forEach(([action, selector, error], i) => {
    const [gotAction, gotSelector, gotError] = outcome.failures[i];
    const where = `${label} failure ${i} of ${JSON.stringify(outcome.failures, null, 1)}`;
    assert.equal(gotAction, action, where);
    assert.equal(gotSelector, selector, where);
    if (error instanceof RegExp) assert.match(gotError, error, where);
    else assert.equal(gotError, error, where);
  });
  assert.equal(outcome.name, 'Parity Ltd — 7 seats', label);
  assert.equal(outcome.stage, 'won', `${label}: by label, ASCII case and spaces ignored`);
  assert.ok(outcome.scrolled, `${label}: the demo did not scroll`);
  assert.equal(outcome.highlight, '#deal-name', `${label}: the highlight`);
  // One input per character, then change; two selections; one click.
  assert.equal(outcome.log.filter((e) => e.startsWith('input:deal-name')).length, 20, label);
  assert.ok(outcome.log.every((e) => e.endsWith(':true')), `${label}: events of the demo's realm`);
  assert.deepEqual(outcome.errors, [], label);
}

test('every fixture has the same outcome on the same origin and through the bridge', async () => {
  const same = await runFixtures(sameOrigin);
  const cross = await runFixtures(crossOrigin);
  assertExpected(same, 'same origin');
  assertExpected(cross, 'bridge');
  assert.deepEqual(cross.failures, same.failures);
  assert.deepEqual(cross.log, same.log);
});

test('Stop ends a command mid-way on the same origin and through the bridge', async () => {
  for (const setUp of [sameOrigin, crossOrigin]) {
    const outcome = await runStop(setUp);
    const label = setUp.name;
    assert.ok(outcome.typed.length < STOP_TEXT.length && STOP_TEXT.startsWith(outcome.typed), `${label}: typed “${outcome.typed}”`);
    assert.equal(outcome.clicked, false, `${label}: a command after Stop ran`);
    assert.deepEqual(outcome.failures, [], `${label}: a stopped command is not a failure`);
    assert.deepEqual(outcome.errors, [], label);
  }
});
