// The widget's way to the demo, in the builds that drive one (live-demo's): the tour
// (tour.js, which imports the page-command executor, executor.js), imported at the first
// page command, so a site without a demo never downloads them (the wasm passes their URLs,
// from wasm-bindgen's `link_to!`, since a dynamic `import()` can only be written in JS); and
// the watch on what the visitor does in the demo, from the start. `cargo xtask dist` writes
// this file into the glue, without its comment lines (see executor.js).

let tour = null;
let loaded = null;
let stops = 0;

/** Runs page commands through tour.js (see there), importing it first if need be; if it
 * cannot be loaded, each command fails in words. */
export function runTour(url, executorUrl, frame, lines, tell) {
  const at = stops;
  // Both at once: tour.js imports executor.js. A failed import (the network, say) is tried
  // again at the next command.
  tour ||= Promise.all([import(url), import(executorUrl)]).then(([module]) => module, (error) => {
    tour = null;
    throw error;
  });
  tour.then((module) => {
    loaded = module;
    if (stops === at) module.start(frame, lines, tell);
    else tell(2, 0, 0, 0); // the run is over: stopped while it loaded
  }, () => {
    const count = lines.split('\n').length;
    for (let i = 0; stops === at && i < count; i++) {
      tell(0, i + 1, count, i); // started (tour.js names these numbers)
      tell(1, i + 1, count, i, 'no-executor'); // failed
    }
    tell(2, 0, 0, 0); // over
  });
}

/** Stops the tour; before the first command there is none. */
export function stopTour(frame) {
  stops += 1;
  if (loaded) loaded.stop(frame);
}

/** Reports what the visitor does in the demo iframe (`selector`) on their own, as
 * `report(event, selector, url, action, error)`: clicks and page changes in a demo on this
 * origin, and what Docent's bridge reports from one on another (only from the iframe's
 * window and the origin of its `src`). The widget tells them from its own commands' doing.
 * Returns what stops watching. */
export function watchDemo(selector, report) {
  const frame = () => {
    try {
      const found = document.querySelector(selector);
      return found && found.tagName === 'IFRAME' ? found : null;
    } catch (e) {
      return null;
    }
  };
  const first = frame();
  if (!first) return () => {};
  // The page's path and query (`/crm/deals.html`), if this page may read it.
  const path = (f) => {
    try {
      return f.contentWindow.location.pathname + f.contentWindow.location.search;
    } catch (e) {
      return null;
    }
  };
  const click = (event) => {
    const f = frame();
    if (event.isTrusted) report('click', stableSelector(event.target), f && path(f));
  };
  const listen = (f) => f.contentDocument && f.contentDocument.addEventListener('click', click, true);
  const pageLoaded = () => {
    const f = frame();
    if (!f) return;
    listen(f);
    const url = path(f);
    if (url) report('navigation', null, url);
  };
  const message = (event) => {
    const f = frame();
    if (!f || event.source !== f.contentWindow || typeof event.data !== 'string') return;
    let origin, m;
    try {
      origin = new URL(f.src).origin;
      m = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    const a = event.origin === origin && m && m.docent === 1 && m.id == null && m.activity;
    const fields = a ? [a.event, a.selector, a.url, a.action, a.error] : [];
    if (typeof fields[0] === 'string' && fields.every((v) => v == null || typeof v === 'string')) report(...fields);
  };
  listen(first);
  // A demo already shown: where it starts, which the widget notes and does not report.
  const doc = first.contentDocument;
  if (doc && doc.readyState === 'complete' && !doc.URL.startsWith('about:')) pageLoaded();
  first.addEventListener('load', pageLoaded);
  window.addEventListener('message', message);
  return () => {
    first.removeEventListener('load', pageLoaded);
    window.removeEventListener('message', message);
    const f = frame();
    if (f && f.contentDocument) f.contentDocument.removeEventListener('click', click, true);
  };
}

// The most stable selector for a clicked element, from it and its ancestors (nearest
// first): a `data-testid`, else a plain `id`, else the element's tag, as the bridge does.
function stableSelector(element) {
  for (let node = element, depth = 0; node && node.nodeType === 1 && depth < 6; node = node.parentElement, depth += 1) {
    const testid = node.getAttribute('data-testid');
    if (testid) return `[data-testid='${testid.replace(/'/g, "\\'")}']`;
    if (/^[A-Za-z][\w-]*$/.test(node.id)) return '#' + node.id;
  }
  return element && element.nodeType === 1 ? element.tagName.toLowerCase() : null;
}
