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
 * Wire format (JSON strings over postMessage):
 *   parent -> demo: {"docent":1,"id":N,"command":{"action":"click","selector":"#x"}}
 *   demo -> parent: {"docent":1,"id":N,"ok":true} | {"docent":1,"id":N,"ok":false,"error":"…"}
 *   demo -> parent: {"docent":1,"activity":{"event":"click"|"navigation","selector":"…","url":"…"}}
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var allowed = ((script && script.getAttribute("data-parent-origin")) || "").split(/\s+/).filter(Boolean);
  if (window.parent === window || allowed.length === 0) return;
  // A parent on this same origin drives the demo directly; the bridge then stays idle.
  try { if (window.parent.document) return; } catch (e) { /* another origin: the bridge is needed */ }

  var MAX_TYPE = 10000;
  var MAX_WAIT = 30000;
  var highlight = null;

  function post(message, origin) {
    var text = JSON.stringify(Object.assign({ docent: 1 }, message));
    (origin ? [origin] : allowed).forEach(function (o) { window.parent.postMessage(text, o); });
  }

  function name(selector) {
    var m = /data-testid=['"]?([\w-]+)|#([\w-]+)|name=['"]?([\w-]+)/.exec(selector);
    var word = m && (m[1] || m[2] || m[3]);
    return word ? "the " + word.replace(/[-_]/g, " ") : "that part of the page";
  }

  function find(selector) {
    var el;
    try { el = document.querySelector(selector); } catch (e) { throw new Error("`" + selector + "` is not a valid CSS selector"); }
    if (!el) throw new Error("nothing on the demo page matches `" + selector + "`");
    return el;
  }

  function fire(el, kind) { el.dispatchEvent(new Event(kind, { bubbles: true })); }

  function scrollTo(el, smooth) {
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var rect = el.getBoundingClientRect();
    window.scrollTo({ top: Math.max(0, window.scrollY + rect.top - (window.innerHeight - rect.height) / 2), behavior: smooth && !reduce ? "smooth" : "instant" });
  }

  function clearHighlight() {
    if (!highlight) return;
    clearInterval(highlight.follow);
    clearTimeout(highlight.expire);
    highlight.overlay.remove();
    highlight = null;
  }

  function place(overlay, el) {
    var r = el.getBoundingClientRect();
    overlay.style.cssText = ("position:absolute;left:" + (r.left + window.scrollX) + "px;top:" + (r.top + window.scrollY) +
      "px;width:" + r.width + "px;height:" + r.height + "px;box-sizing:border-box;border:3px solid #f59e0b;border-radius:6px;" +
      "box-shadow:0 0 0 4px rgba(245,158,11,.3);pointer-events:none;z-index:2147483647;margin:0;padding:0;");
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  var actions = {
    click: function (c) { var el = find(c.selector); scrollTo(el, false); el.click(); },
    type: async function (c) {
      var el = find(c.selector);
      if (el.tagName !== "INPUT" && el.tagName !== "TEXTAREA") throw new Error(name(c.selector) + " is not a text field");
      var text = String(c.text != null ? c.text : c.value).slice(0, MAX_TYPE);
      scrollTo(el, false);
      el.focus();
      for (var i = 1; i <= Math.min(text.length, 40); i += 1) { el.value = text.slice(0, i); fire(el, "input"); await sleep(25); }
      if (text.length > 40) { el.value = text; fire(el, "input"); }
      fire(el, "change");
    },
    highlight: function (c) {
      var el = find(c.selector);
      scrollTo(el, true);
      var overlay = document.createElement("div");
      overlay.setAttribute("data-docent-highlight", c.selector);
      overlay.setAttribute("aria-hidden", "true");
      place(overlay, el);
      document.body.appendChild(overlay);
      highlight = { overlay: overlay, follow: setInterval(function () { place(overlay, el); }, 200), expire: setTimeout(clearHighlight, 4000) };
    },
    scroll: function (c) { scrollTo(find(c.selector), true); },
    wait: async function (c) {
      var timeout = Math.min(Number(c.timeout != null ? c.timeout : 5000), MAX_WAIT);
      var started = Date.now();
      for (;;) {
        try { if (document.querySelector(c.selector)) return; } catch (e) { throw new Error("`" + c.selector + "` is not a valid CSS selector"); }
        if (Date.now() - started >= timeout) throw new Error(name(c.selector) + " did not appear within " + (timeout / 1000).toFixed(1) + " s");
        await sleep(100);
      }
    },
    select: function (c) {
      var el = find(c.selector);
      if (el.tagName !== "SELECT") throw new Error(name(c.selector) + " is not a dropdown");
      var wanted = String(c.value != null ? c.value : c.option != null ? c.option : c.label).trim();
      var index = Array.prototype.findIndex.call(el.options, function (o) { return o.value === wanted || o.text.trim().toLowerCase() === wanted.toLowerCase(); });
      if (index < 0) throw new Error(name(c.selector) + " has no option “" + wanted + "”");
      el.selectedIndex = index;
      fire(el, "input");
      fire(el, "change");
    },
  };

  window.addEventListener("message", async function (event) {
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0) return;
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (!message || message.docent !== 1 || typeof message.id !== "number") return;
    clearHighlight();
    var command = message.command || {};
    try {
      var run = actions[command.action];
      if (!run) throw new Error("unknown action");
      await run(command);
      post({ id: message.id, ok: true }, event.origin);
    } catch (e) {
      post({ id: message.id, ok: false, error: e.message }, event.origin);
    }
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
