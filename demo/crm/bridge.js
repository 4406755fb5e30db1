/*
 * Docent's bridge for a demo on another origin than the page that embeds the widget.
 * Include it in every page of the demo:
 *
 *   <script src="bridge.js" data-parent-origin="https://www.example.com"></script>
 *
 * data-parent-origin lists (space-separated) the exact origins allowed to drive this demo.
 * Messages from any other origin, or from any window but the parent, are ignored; replies and
 * activity reports go only to an allowed origin. A demo on the widget's own origin needs no
 * bridge: the widget drives it directly (the bridge then stays idle).
 *
 * The commands are run by Docent's page-command executor (executor.js beside this file, the
 * same module the widget runs for a demo on its own origin), imported when the first command
 * arrives. The postMessage wire (JSON text) is documented and typed in Docent's
 * protocol/src/bridge.rs:
 *   parent -> demo: {"docent":1,"id":N,"command":{"action":"click","selector":"#x"}}
 *   parent -> demo: {"docent":1,"id":N,"stop":true}
 *   demo -> parent: {"docent":1,"id":N,"ok":true} | {"docent":1,"id":N,"ok":false,"failure":"no-match"}
 *   demo -> parent: {"docent":1,"activity":{"event":"click"|"navigation","selector":"…","url":"…"}}
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var allowed = ((script && script.getAttribute("data-parent-origin")) || "").split(/\s+/).filter(Boolean);
  if (window.parent === window || allowed.length === 0) return;
  // A parent on this same origin drives the demo directly; the bridge then stays idle.
  try { if (window.parent.document) return; } catch (e) { /* another origin: the bridge is needed */ }

  var executor = null;
  var loaded = null;
  // The command the parent stopped, by id: the executor asks between steps.
  var stopped = 0;

  function post(message, origin) {
    var text = JSON.stringify(Object.assign({ docent: 1 }, message));
    (origin ? [origin] : allowed).forEach(function (o) { window.parent.postMessage(text, o); });
  }

  function load() {
    // Resolved against this script's own URL; a failed import is tried again next time.
    executor = executor || import(new URL("executor.js", script.src).href).then(function (module) {
      return (loaded = module);
    }, function (e) {
      executor = null;
      throw e;
    });
    return executor;
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0) return;
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (!message || message.docent !== 1 || typeof message.id !== "number") return;
    var id = message.id;
    if (message.stop === true) {
      stopped = id;
      if (loaded) loaded.clearHighlight();
      return;
    }
    var answer = function (failure) {
      post(failure ? { id: id, ok: false, failure: failure } : { id: id, ok: true }, event.origin);
    };
    load().then(function (module) {
      return module.run(window, message.command || {}, function () { return stopped === id; });
    }).then(answer, function () { answer("other"); });
  });

  function stableSelector(el) {
    for (var node = el, depth = 0; node && node.nodeType === 1 && depth < 6; node = node.parentElement, depth += 1) {
      var testid = node.getAttribute("data-testid");
      if (testid) return "[data-testid='" + testid.replace(/'/g, "\\'") + "']";
      if (node.id && /^[A-Za-z][\w-]*$/.test(node.id)) return "#" + node.id;
    }
    return el.tagName.toLowerCase();
  }

  var lastClick = 0;
  document.addEventListener("click", function (event) {
    if (!event.isTrusted || Date.now() - lastClick < 400) return;
    lastClick = Date.now();
    post({ activity: { event: "click", selector: stableSelector(event.target), url: location.pathname + location.search } });
  }, true);
  post({ activity: { event: "navigation", url: location.pathname + location.search } });
})();
