// Docent's tour: the agent's page commands run one after another in the demo iframe, with a
// pause a person can follow, on whichever origin the demo is, and stopped when the visitor
// says so. The widget imports it (through demo.js) at the first page command, so a site
// without a demo never downloads it; the widget keeps the words (what each step is called,
// why one failed) and the navigation rule, which it is asked for (`tell`).
//
// start(frameSelector, lines, tell): `lines` are commands in their checked wire form, one
// JSON object a line, queued behind any still running. `tell(kind, step, total, index, text)`,
// where `index` is the command's place in its own `lines`:
//   0 a step starts; 1 it failed, `text` its code (an executor code; "bridge:" and the
//   bridge's code; "load-timeout", "silent", … for the tour's own; "refused:" and the
//   widget's sentence for a navigation it refused); 2 the run is over; 3 may a navigation go
//   there (`text` is "protocol origin demo-origin"): the widget's refusal sentence, or nothing.
// perform(frame, command, cancelled, check): one command, for the widget's tests.
//
// A demo on the widget's origin is driven through executor.js with the iframe's window; one
// on another origin through Docent's bridge script in it (the wire: protocol/src/bridge.rs);
// navigation is the widget's for any demo: it sets the iframe's `src`.
//
// `cargo xtask dist` ships it without its comment lines, like the loader: no code line may
// start with `//`, `/*` or `*`, and no string may span lines.

import { run as execute, clearHighlight } from './executor.js';

const STEP_PAUSE_MS = 450; // between steps the visitor could see
const LOAD_TIMEOUT_MS = 10000; // a navigation that has not loaded by then has failed
const ANSWER_MS = 5000; // how long the bridge may take beyond a command's own wait

let queue = []; // [line, index, tell, frameSelector]
let running = false;
let generation = 0; // changes at Stop, which tells the running command to give up
let nextId = 1; // the bridge's command ids
let lastSent = 0;

// What `tell` says (its first argument; runner.rs's `tell` module).
const STARTED = 0;
const FAILED = 1;
const OVER = 2;
const MAY_NAVIGATE = 3;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The iframe the agent drives, found afresh each time (the host page may replace it).
function frameOf(selector) {
  try {
    const frame = document.querySelector(selector);
    return frame && frame.tagName === 'IFRAME' ? frame : null;
  } catch (e) {
    return null;
  }
}

// The origin of the iframe's `src`: where commands may go, and where answers must come from.
function originOf(frame) {
  try {
    return new URL(frame.src).origin;
  } catch (e) {
    return null;
  }
}

/** Queues commands; starts the run unless one is going. */
export function start(frameSelector, lines, tell) {
  lines.split('\n').forEach((line, index) => {
    if (line) queue.push([line, index, tell, frameSelector]);
  });
  if (!running && queue.length) tour();
}

/** The visitor pressed Stop (or the chat is going away): what is queued goes, the running
 * command ends at its next step, and the highlight goes, on whichever origin the demo is. */
export function stop(frameSelector) {
  queue = [];
  generation += 1;
  clearHighlight();
  const frame = frameOf(frameSelector);
  const origin = frame && !frame.contentDocument && lastSent && originOf(frame);
  if (origin && frame.contentWindow) {
    frame.contentWindow.postMessage(JSON.stringify({ docent: 1, id: lastSent, stop: true }), origin);
  }
}

async function tour() {
  running = true;
  const mine = generation;
  const cancelled = () => generation !== mine;
  const tell = queue[0][2];
  let done = 0;
  let shownLast = false;
  try {
    while (queue.length && !cancelled()) {
      const [line, index, hook, selector] = queue.shift();
      done += 1;
      const step = done;
      const total = done + queue.length;
      // Only after a step the visitor could see: failed steps show nothing to follow.
      if (shownLast) await sleep(STEP_PAUSE_MS);
      if (cancelled()) break;
      hook(STARTED, step, total, index);
      const frame = frameOf(selector);
      const check = (what) => hook(MAY_NAVIGATE, step, total, index, what);
      let code;
      try {
        code = frame ? await perform(frame, JSON.parse(line), cancelled, check) : 'no-frame';
      } catch (e) {
        code = 'other'; // nothing a page can do may stop the tour
      }
      shownLast = !code;
      if (code) hook(FAILED, step, total, index, code);
    }
  } finally {
    running = false;
    tell(OVER, 0, 0, 0);
  }
  // Commands queued after a Stop start a fresh run.
  if (queue.length) tour();
}

/** Runs one command in `frame`; resolves with nothing when done, or a failure code. */
export async function perform(frame, command, cancelled, check) {
  if (command.action === 'navigate') return navigate(frame, command.url, check);
  if (frame.contentDocument) return execute(frame.contentWindow, command, cancelled);
  return viaBridge(frame, command);
}

// Navigation is the widget's for every demo: the browser resolves the URL (so relative,
// protocol-relative and backslash tricks are judged by where they really lead), the widget
// says whether it may go there, and the iframe's `src` is set.
async function navigate(frame, url, check) {
  clearHighlight();
  let current;
  try {
    current = frame.contentWindow.location.href;
  } catch (e) {
    current = frame.src; // another origin's page: its address is not ours to read
  }
  let target;
  try {
    target = new URL(url, current);
  } catch (e) {
    return 'bad-url';
  }
  const demo = originOf(frame);
  if (!demo) return 'no-src';
  const refused = check(`${target.protocol} ${target.origin} ${demo}`);
  if (refused) return 'refused:' + refused;
  // Listening before `src` is set, so a load that follows at once is not missed.
  const loaded = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), LOAD_TIMEOUT_MS);
    frame.addEventListener('load', () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
  frame.src = target.href;
  return (await loaded) ? undefined : 'load-timeout';
}

// Sends one command to the bridge in a demo on another origin, and waits for its answer:
// only the iframe's exact origin is written to, and only that origin's and that window's
// messages are read.
function viaBridge(frame, command) {
  const origin = originOf(frame);
  if (!origin) return 'no-src';
  const target = frame.contentWindow;
  if (!target) return 'unreachable';
  const id = nextId++;
  lastSent = id;
  return new Promise((resolve) => {
    const settle = (code) => {
      window.removeEventListener('message', answer);
      clearTimeout(timer);
      resolve(code);
    };
    const answer = (event) => {
      if (event.source !== frame.contentWindow || event.origin !== origin || typeof event.data !== 'string') return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!message || message.docent !== 1 || message.id !== id || typeof message.ok !== 'boolean') return;
      // Only a code: the widget words it (an unknown one as "could not carry it out").
      settle(message.ok ? undefined : 'bridge:' + (typeof message.failure === 'string' ? message.failure : 'other'));
    };
    const timer = setTimeout(() => settle('silent'), (command.timeout || 0) + ANSWER_MS);
    window.addEventListener('message', answer);
    try {
      target.postMessage(JSON.stringify({ docent: 1, id, command }), origin);
    } catch (e) {
      settle('unreachable');
    }
  });
}
