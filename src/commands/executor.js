// Docent's page-command executor: the one implementation of click, type, highlight, scroll,
// wait and select. The widget imports it for a demo on its own origin (handing it the
// iframe's window); Docent's bridge imports it inside a demo on another origin (handing it
// its own window). Both load it on the first page command, so a site without a demo never
// downloads it. The contract is in protocol/src/bridge.rs.
//
// run(win, command, cancelled) takes a command in its checked wire form
// ({"action":"type","selector":"#x","text":"hi"}) and resolves with nothing when done, or
// with a failure code ("no-match", …) that the widget turns into the visitor's sentence.
// `cancelled()` is asked between the steps of long commands (typing, waits), so Stop takes
// effect promptly; a stopped command resolves as done.
//
// The demo's elements may belong to another realm than this module, so kinds are told by
// tag name, never with `instanceof`. Nothing here needs inline script or style, or eval:
// the highlight is styled through the CSSOM, which a strict CSP allows.
//
// `cargo xtask dist` ships it without its comment lines, like the loader: no code line may
// start with `//`, `/*` or `*`, and no string may span lines.

const ANIMATED_CHARS = 40; // typed key by key; the rest lands at once
const KEY_DELAY_MS = 25;
const WAIT_POLL_MS = 100;
const HIGHLIGHT_MS = 4000; // a highlight clears itself after this, or at the next command
const FOLLOW_MS = 200; // how often the highlight follows its element's layout

let highlight = null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Failures are thrown as their code and returned by `run`.
function find(doc, selector) {
  let element;
  try {
    element = doc.querySelector(selector);
  } catch (e) {
    throw 'bad-selector';
  }
  if (!element) throw 'no-match';
  return element;
}

// Events are made in the demo's realm, so its own scripts see ordinary events.
function fire(win, element, kind) {
  element.dispatchEvent(new win.Event(kind, { bubbles: true }));
}

// Centres the element in the demo. Only the demo's viewport moves: `scrollIntoView` would
// also scroll the host page around the iframe.
function scrollTo(win, element, smooth) {
  const rect = element.getBoundingClientRect();
  const reduce = win.matchMedia('(prefers-reduced-motion: reduce)').matches;
  win.scrollTo({
    top: Math.max(0, win.scrollY + rect.top - (win.innerHeight - rect.height) / 2),
    behavior: smooth && !reduce ? 'smooth' : 'instant',
  });
}

// Case-insensitive for ASCII letters only, like Rust's `eq_ignore_ascii_case`.
const ascii = (text) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Removes the highlight, if there is one. */
export function clearHighlight() {
  if (!highlight) return;
  clearInterval(highlight.follow);
  clearTimeout(highlight.expire);
  highlight.overlay.remove();
  highlight = null;
}

// The overlay sits in document coordinates, so scrolling needs no update; layout changes
// are followed by a timer.
function place(win, overlay, element) {
  const r = element.getBoundingClientRect();
  overlay.style.cssText =
    `position:absolute;left:${r.left + win.scrollX}px;top:${r.top + win.scrollY}px;` +
    `width:${r.width}px;height:${r.height}px;box-sizing:border-box;border:3px solid #f59e0b;` +
    'border-radius:6px;box-shadow:0 0 0 4px rgba(245,158,11,.3);pointer-events:none;' +
    'z-index:2147483647;margin:0;padding:0;';
}

const actions = {
  click(win, c) {
    const element = find(win.document, c.selector);
    if (!('click' in element)) throw 'not-clickable';
    scrollTo(win, element, false);
    element.click();
  },

  // Types like a person: focus, then the text a key at a time (an `input` event each), then
  // `change`, so the demo's own scripts see what they would see from a visitor. Characters
  // are code points, as in Rust, so an emoji is never typed in halves.
  async type(win, c, cancelled) {
    const element = find(win.document, c.selector);
    scrollTo(win, element, false);
    if (element.tagName !== 'INPUT' && element.tagName !== 'TEXTAREA') throw 'not-text-field';
    element.focus();
    const chars = Array.from(c.text);
    let typed = '';
    for (const char of chars.slice(0, ANIMATED_CHARS)) {
      if (cancelled()) return;
      typed += char;
      element.value = typed;
      fire(win, element, 'input');
      await sleep(KEY_DELAY_MS);
    }
    if (chars.length > ANIMATED_CHARS) {
      element.value = c.text;
      fire(win, element, 'input');
    }
    fire(win, element, 'change');
  },

  highlight(win, c) {
    const doc = win.document;
    const element = find(doc, c.selector);
    if (!doc.body) throw 'no-body';
    scrollTo(win, element, true);
    const overlay = doc.createElement('div');
    overlay.setAttribute('data-docent-highlight', c.selector);
    overlay.setAttribute('aria-hidden', 'true');
    place(win, overlay, element);
    doc.body.appendChild(overlay);
    highlight = {
      overlay,
      follow: setInterval(() => place(win, overlay, element), FOLLOW_MS),
      expire: setTimeout(clearHighlight, HIGHLIGHT_MS),
    };
  },

  scroll(win, c) {
    scrollTo(win, find(win.document, c.selector), true);
  },

  async wait(win, c, cancelled) {
    const started = Date.now();
    for (;;) {
      // Looked up afresh each time: a navigation replaces the document.
      try {
        if (win.document.querySelector(c.selector)) return;
      } catch (e) {
        throw 'bad-selector';
      }
      if (cancelled()) return;
      if (Date.now() - started >= c.timeout) throw 'timeout';
      await sleep(WAIT_POLL_MS);
    }
  },

  select(win, c) {
    const element = find(win.document, c.selector);
    if (element.tagName !== 'SELECT') throw 'not-dropdown';
    const wanted = c.value.trim();
    const index = Array.prototype.findIndex.call(
      element.options,
      (o) => o.value === wanted || ascii(o.text.trim()) === ascii(wanted),
    );
    if (index < 0) throw 'no-option';
    element.selectedIndex = index;
    fire(win, element, 'input');
    fire(win, element, 'change');
  },
};

/** Runs one command in `win`'s document; resolves with a failure code, or nothing. */
export async function run(win, command, cancelled) {
  clearHighlight();
  try {
    const action = actions[command.action];
    if (!action) return 'other';
    await action(win, command, cancelled);
  } catch (failure) {
    return typeof failure === 'string' ? failure : 'other';
  }
}
