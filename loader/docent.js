/*! Docent loader: reads the options, shows the launcher at once, loads the chat (wasm)
 * without holding up the page, and is the page's `Docent` API. `cargo xtask dist` fills in
 * the content-hashed file names below. */
(function () {
  'use strict';
  // One widget build per platform (`data-dialect`), so a site downloads only its own codec.
  var FILES = { app: 'docent-app.js', wasm: 'docent-app_bg.wasm', css: 'docent.css',
    aui: ['docent-app-aui.js', 'docent-app-aui_bg.wasm'], amigo: ['docent-app-amigo.js', 'docent-app-amigo_bg.wasm'] };
  // Languages besides English (fetched only by visitors who need one), and those written
  // right to left. `cargo xtask dist` fills in the hashed names.
  var LOCALES = { de: 'docent-de.json', he: 'docent-he.json' };
  var RTL = ['he'];
  var EVENTS = ['ready', 'open', 'close', 'message', 'lead', 'error'];
  var LOADS = ['idle', 'open', 'eager'];
  var ICON = '<svg class="docent-launcher__icon" viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M4 5h16v11H9l-5 4z"/></svg>';
  var warn = function (text) { console.warn('Docent: ' + text); };

  if (window.Docent && window.Docent.element !== undefined) {
    warn('docent.js is on this page twice; the second copy does nothing.');
    return;
  }
  var script = document.currentScript;
  var base = (script && script.src) || location.href;
  var url = function (name) { return new URL(name, base).href; };

  var host = null;      // the element the widget lives in
  var link = null;      // the default stylesheet, unless styles="none"
  var widget = null;    // the wasm widget, once loaded
  var loading = null;   // the loading promise
  var queue = [];       // API calls made before the widget was ready
  var undo = [];        // what to remove on destroy()
  var handlers = [];    // [name, fn, wrapped] from Docent.on
  var options = {};
  var texts = null;     // the words, once asked for: the locale's under the page's own
  var said = {};        // those words, once in
  var drawn = null;     // the loader's chat window, until the widget replaces it
  var shown = false;    // whether it is open
  var pending = [];     // messages sent in it, for the widget to send
  var failed = false;   // the wasm could not be loaded
  var painted = false;  // the launcher has been on screen: the window can take the focus

  // data-product-id="x" -> { "product-id": "x" }
  function fromScript() {
    var found = {};
    if (!script) return found;
    for (var i = 0; i < script.attributes.length; i++) {
      var a = script.attributes[i];
      if (a.name.indexOf('data-') === 0) found[a.name.slice(5)] = a.value;
    }
    return found;
  }

  // { productId: "x", allowedOrigins: ["a", "b"], open: true } -> kebab-case strings
  function fromInit(given) {
    var found = {};
    var kebab = function (key) { return key.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }); };
    Object.keys(given || {}).forEach(function (key) {
      var value = given[key];
      if (value === undefined || value === null) return;
      // { texts: { sendMessage: "…" } } -> "text-send-message"
      if (key === 'texts') for (var t in value) found['text-' + kebab(t)] = String(value[t]);
      else
      found[kebab(key)] = Array.isArray(value) ? value.join(' ') : String(value);
    });
    return found;
  }

  // The visitor's language: data-locale, else the browser's; English unless shipped.
  function language() {
    var lang = String(options.locale || navigator.language || 'en').toLowerCase().split('-')[0];
    return LOCALES[lang] ? lang : 'en';
  }

  // The locale's words under the page's own (`text-…` options); English if it cannot load.
  function words() {
    var file = LOCALES[language()];
    return !file ? Promise.resolve(options) : fetch(url(file)).then(function (r) { return r.json(); }).then(function (table) {
      var merged = {}, name;
      for (name in table) merged['text-' + name] = table[name];
      for (name in options) merged[name] = options[name];
      return merged;
    }, function (error) {
      warn('the ' + file + ' texts could not be loaded (' + error + '); English is used.');
      return options;
    });
  }

  function pick(name, allowed) {
    var value = options[name];
    if (value === undefined || allowed.indexOf(value) >= 0) return value || allowed[0];
    warn('data-' + name + ' / ' + name + ' = "' + value + '" should be one of ' + allowed.join(', ') + '; using ' + allowed[0] + '.');
    return allowed[0];
  }

  function emit(name, detail) {
    if (host) host.dispatchEvent(new CustomEvent('docent:' + name, { detail: detail, bubbles: true }));
  }

  function load() {
    if (loading || !host) return loading;
    var mine = host;
    var own = FILES[String(options.dialect || '').trim()];
    if (!Array.isArray(own)) own = [FILES.app, FILES.wasm];
    texts = texts || words();
    failed = false;
    if (drawn) status(); // a retry: starting again
    // The wasm is fetched beside its glue, not after it (and after the snippet the glue
    // imports): two round trips fewer. The glue takes the response's promise and compiles
    // it as it streams in.
    var wasm = fetch(url(own[1]));
    wasm.catch(function () {}); // a failure is reported where the glue awaits it, below
    loading = import(url(own[0]))
      .then(function (app) {
        return app.default({ module_or_path: wasm }).then(function () { return texts; })
          .then(function (given) { return [app, given]; });
      })
      // The start in three tasks: the wasm made ready, the widget started (`start`: its
      // options, the saved conversation, the other tabs), then drawn (`show`). The browser's
      // own work, and the visitor's typing in the loader's window, go in between, and no
      // task holds the page for long. Drawing and taking over the loader's window are one
      // task, so no key press falls between them.
      .then(function (loaded) {
        return task().then(function () {
          if (host !== mine) return; // destroyed (or restarted) while loading
          var started = loaded[0].start(host, loaded[1]);
          return task().then(function () {
            if (host !== mine) return started.destroy(), started.free();
            var typed = drawn && draft();
            var active = document.activeElement;
            if (host.contains(active)) active = active.className; // the loader's own nodes go
            started.show(); // replaces the loader's nodes
            widget = started;
            drawn = null;
            var calls = queue;
            queue = [];
            calls.forEach(function (call) { api[call[0]].apply(null, call[1]); });
            adopt(typed, active, mine);
          });
        });
      })
      .catch(function (error) {
        if (host !== mine) return; // another init()'s loading is not this one's to clear
        loading = null;
        // The loader's window says so too, and gives back what was sent in it.
        failed = true;
        if (drawn) {
          var input = drawn.querySelector('textarea');
          input.value = pending.concat(input.value ? [input.value] : []).join('\n');
          pending = [];
          drawn.querySelector('.docent-messages').textContent = '';
          status();
        }
        var message = 'The chat could not be loaded (' + error + '). Check that ' + url(own[0]) + ' can be fetched.';
        console.error('Docent: ' + message);
        emit('error', { kind: 'load', message: message });
      });
    return loading;
  }

  // A promise kept in a task of its own: ahead of the page's other tasks where the browser
  // has a scheduler (input and drawing still come first), else after them.
  function task() {
    var scheduler = window.scheduler;
    return scheduler && scheduler.postTask
      ? scheduler.postTask(function () {}, { priority: 'user-blocking' })
      : new Promise(function (go) { setTimeout(go, 0); });
  }

  // Phones: the open chat covers the screen (docent.css), so the page must not scroll
  // behind it, and the window follows the visual viewport so the on-screen keyboard never
  // hides the composer. What was locked is put back exactly as it was on close.
  var phone = window.matchMedia('(max-width: 479.98px)');
  var open = false;
  var locked = null; // [html's style attribute, body's, scrollX, scrollY] while locked
  function fit() {
    var v = window.visualViewport;
    if (!host || !v) return;
    host.style.setProperty('--docent-viewport-height', v.height + 'px');
    host.style.setProperty('--docent-viewport-top', v.offsetTop + 'px');
  }
  function restyle(element, style) {
    // Read first: Chrome writes a style attribute changed through `.style` lazily, and would
    // otherwise write it back (as "") after the removal.
    element.getAttribute('style');
    if (style === null) element.removeAttribute('style');
    else element.setAttribute('style', style);
  }
  function lock() {
    var html = document.documentElement;
    var body = document.body;
    var want = open && !!host && phone.matches;
    if (want && !locked) {
      locked = [html.getAttribute('style'), body.getAttribute('style'), window.scrollX, window.scrollY];
      html.style.overflow = body.style.overflow = 'hidden';
      fit();
    } else if (!want && locked) {
      restyle(html, locked[0]);
      restyle(body, locked[1]);
      window.scrollTo(locked[2], locked[3]);
      if (host) host.removeAttribute('style');
      locked = null;
    }
  }
  function watchPhone() {
    var moved = function () { if (locked) fit(); };
    listen(host, 'docent:open', function () { open = true; lock(); });
    listen(host, 'docent:close', function () { open = false; lock(); });
    listen(phone, 'change', lock);
    if (window.visualViewport) {
      listen(window.visualViewport, 'resize', moved);
      listen(window.visualViewport, 'scroll', moved);
    }
  }

  function listen(target, name, fn) {
    target.addEventListener(name, fn);
    undo.push(function () { target.removeEventListener(name, fn); });
  }

  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; });
  }

  // The chat window, drawn by the loader when the chat opens before the wasm is in
  // (data-open, a click on the launcher, `Docent.open()`), so the visitor can type at once:
  // the widget's markup, classes and words. A message sent here waits for the widget, shown
  // as waiting; when the widget replaces this window, it takes over the text, the cursor, the
  // focus and the messages (`adopt`), and sends them with its own checks: the loader sends
  // nothing itself.
  function shell(show) {
    shown = show; // a close before anything was drawn is a close too
    if (!show && !drawn) return;
    var mine = host;
    (texts = texts || words()).then(function (given) {
      if (host === mine) draw(given);
    });
  }
  function word(name, english) {
    return said['text-' + name] || english;
  }
  function draw(given) {
    var root = host.firstChild;
    if (widget || !root) return;
    said = given;
    var button = root.lastChild;
    var html = function (name, english) { return esc(word(name, english)); };
    if (!drawn) {
      // As the widget has it (`embed.rs`): trimmed, at most 80 characters.
      var title = Array.from(String(given.title || '').trim()).slice(0, 80).join('') || 'Chat with us';
      root.insertAdjacentHTML('afterbegin', '<section class="docent-window" data-testid="docent-window" role="dialog" aria-label="' +
        esc(title) + '"><div class="docent-header"><span class="docent-header__avatar" aria-hidden="true">' +
        esc(Array.from(title)[0]) + '</span><span class="docent-header__title">' + esc(title) + '</span><button type="button" class="docent-header__close" data-testid="docent-close" aria-label="' +
        html('close-chat', 'Close chat') + '">\u00d7</button></div><div class="docent-status" role="status"><span class="docent-status__text"></span></div><div class="docent-messages"></div><form class="docent-composer"><textarea class="docent-composer__input" data-testid="docent-input" rows="1" placeholder="' +
        html('type-a-message', 'Type your message\u2026') + '" aria-label="' + html('message', 'Message') + '"></textarea><button type="submit" class="docent-composer__send" data-testid="docent-send" aria-label="' +
        html('send-message', 'Send message') + '">' + html('send', 'Send') + '</button></form></section>');
      drawn = root.firstChild;
      var form = drawn.lastChild;
      var input = form.firstChild;
      // Enter or Send: the message waits for the widget, shown as waiting; the box is free.
      var send = function (event) {
        event.preventDefault();
        var text = input.value;
        if (!text.trim() || failed) return;
        pending.push(text);
        input.value = '';
        drawn.querySelector('.docent-messages').insertAdjacentHTML('beforeend', '<div class="docent-message docent-message--visitor docent-message--pending">' +
          '<div class="docent-message__bubble"><div class="docent-message__text">' + esc(text) + '</div></div></div>');
      };
      form.addEventListener('submit', send);
      input.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) send(event);
      });
      drawn.querySelector('button').addEventListener('click', function () { api.close(); });
      root.addEventListener('keydown', function (event) {
        if (event.key === 'Escape' && shown && !event.isComposing) api.close();
      });
      status();
    }
    var inside = root.contains(document.activeElement);
    drawn.hidden = !shown;
    root.setAttribute('data-open', shown);
    button.setAttribute('aria-expanded', shown);
    button.setAttribute('aria-label', shown ? word('close-chat', 'Close chat') : word('open-chat', 'Open chat'));
    button.querySelector('path').setAttribute('d', shown ? 'M6 6l12 12M18 6L6 18' : 'M4 5h16v11H9l-5 4z');
    open = shown;
    lock();
    // As the widget does: the cursor in the composer; on closing, back to the launcher. Not
    // before the window's first frame (the stylesheet's `onload` gives it the focus then):
    // asking would make the browser lay the page out for it now, and again for the frame.
    if (shown && painted) drawn.querySelector('textarea').focus();
    else if (inside) button.focus();
  }

  // The loader's window's status line: starting the chat, or the wasm could not be loaded.
  function status() {
    var line = drawn.querySelector('.docent-status');
    line.className = 'docent-status docent-status--' + (failed ? 'error' : 'busy');
    drawn.querySelector('.docent-messages').setAttribute('aria-busy', !failed);
    line.firstChild.textContent = failed
      ? word('load-failed', 'The chat could not be loaded. Please try again later.')
      : word('starting', 'Starting the chat\u2026');
  }

  // What the visitor typed and sent in the loader's window, before the widget replaces it.
  function draft() {
    var input = drawn.querySelector('textarea');
    var typed = [pending, input.value, input.selectionStart, input.selectionEnd, document.activeElement === input];
    pending = [];
    return typed;
  }

  // Once the widget has replaced the loader's nodes: the focus goes back where it was, and
  // the widget's composer takes over the loader's window (`into`). In this task, right after
  // the widget's own microtask that builds its window, so no key press falls between the two.
  function adopt(typed, active, mine) {
    Promise.resolve().then(function () {
      if (host !== mine) return;
      if (active === 'docent-launcher') host.querySelector('.docent-launcher').focus();
      // The widget puts the cursor in its composer a frame after it opens; a visitor who had
      // moved on to the page keeps their place.
      else if (active && active.focus && active !== document.body) {
        requestAnimationFrame(function () {
          if (host && host.contains(document.activeElement)) active.focus();
        });
      }
      if (typed) into(typed, mine);
    });
  }

  // The messages sent in the loader's window go through the widget's form, with its checks:
  // one it refuses stays in the box with its reason, with whatever came after it. Then the
  // text being typed, with its cursor. If the visitor closed the chat meanwhile, at the first
  // open.
  function into(typed, mine) {
    var input = host.querySelector('.docent-composer__input');
    if (!input) {
      host.addEventListener('docent:open', function () {
        Promise.resolve().then(function () { if (host === mine) into(typed, mine); });
      }, { once: true });
      return;
    }
    var left = [];
    typed[0].forEach(function (text) {
      if (left.length) return left.push(text);
      input.value = text;
      input.form.requestSubmit();
      if (input.value) left.push(input.value);
    });
    if (left.length) {
      input.value = left.concat(typed[1] ? [typed[1]] : []).join('\n');
    } else if (typed[1]) {
      input.value = typed[1];
      input.setSelectionRange(typed[2], typed[3]);
      input.dispatchEvent(new Event('input')); // the widget's count, as if typed
    }
    if (typed[4]) input.focus();
  }

  // The launcher, drawn by the loader so it shows before the wasm arrives (the widget
  // replaces it with the same markup), and the window if the chat is already open. In a
  // task after the script's, which stays short (the page's first layout often runs in it);
  // while the stylesheet is on its way, the host is hidden and the browser has no style to
  // work out for it.
  function launcher() {
    if (widget || host.firstChild) return; // drawn already, or the widget drew its own
    painted = painted || !link;
    host.innerHTML = '<div class="docent' + (options.position === 'left' ? ' docent--left' : '') +
      '" data-open="false"><button type="button" class="docent-launcher" data-testid="docent-launcher" aria-expanded="false" aria-label="Open chat">' +
      ICON + '</button></div>';
    var button = host.querySelector('button');
    button.addEventListener('click', function () { api[shown ? 'close' : 'open'](); });
    // A visitor reaching for the launcher will likely click it: start loading now.
    button.addEventListener('pointerenter', load);
    button.addEventListener('focus', load);
    if (shown) shell(true);
  }

  // The host, the stylesheet, and the start of loading: what the page's script task does.
  function start() {
    if (!host || host.isConnected) return;
    var mine = host;
    var styles = pick('styles', ['default', 'none']);
    var when = pick('load', LOADS);
    var theme = pick('theme', ['auto', 'light', 'dark']);
    if (theme !== 'auto') host.setAttribute('data-theme', theme);
    var lang = language();
    host.setAttribute('lang', lang);
    if (RTL.indexOf(lang) >= 0) host.setAttribute('dir', 'rtl');
    if (styles !== 'none') {
      link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = url(FILES.css);
      // First in <head>, so the site's own rules for .docent-… classes come later and win.
      var head = document.head;
      head.insertBefore(link, head.querySelector('link[rel~="stylesheet"], style'));
      // Shown once styled, so the launcher never flashes as a bare button. In a task of its
      // own: the page's `load` event often comes in the stylesheet's task, and makes the
      // browser lay out at once whatever is new on the page.
      host.hidden = true;
      link.onload = link.onerror = function () {
        task().then(function () {
          if (host !== mine) return;
          launcher(); // if it was not drawn yet
          host.hidden = false;
          // The focus the window could not take while hidden, in the next frame: the browser
          // lays the page out for that frame anyway, rather than once now and again then.
          // The widget's own composer if it came first: it could not take the focus in the
          // hidden host either (unless the visitor has moved on to the page).
          requestAnimationFrame(function () {
            painted = true;
            if (!host) return;
            var input = drawn ? shown && drawn.querySelector('textarea')
              : document.activeElement === document.body && host.querySelector('[data-open="true"] .docent-composer__input');
            if (input) input.focus();
          });
        });
      };
    }
    watchPhone();
    handlers.forEach(function (h) { host.addEventListener('docent:' + h[0], h[2]); });
    document.body.appendChild(host);
    task().then(function () { if (host === mine) launcher(); });
    if (options.open === 'true' || options.open === '') {
      load();
      shell(true); // the widget opens itself (data-open)
    } else if (when === 'eager') {
      load();
    } else if (when === 'idle') {
      var idle = function () {
        var later = window.requestIdleCallback || function (fn) { return setTimeout(fn, 1); };
        var cancel = window.cancelIdleCallback || clearTimeout;
        var id = later(load, { timeout: 3000 });
        undo.push(function () { cancel(id); });
      };
      if (document.readyState === 'complete') idle();
      else listen(window, 'load', idle);
    }
  }

  // Calls that need the widget wait for it; open/toggle/send also start loading it.
  function forward(name, loads) {
    return function () {
      var args = [].slice.call(arguments);
      if (name === 'send' && typeof args[0] !== 'string') {
        warn('Docent.send(text) takes a string; it was given ' + typeof args[0] + '.');
        return false;
      }
      if (widget) return widget[name].apply(widget, args);
      if (!host) {
        warn('Docent.' + name + '() was called before Docent.init() or after destroy(); it is ignored.');
        return false;
      }
      queue.push([name, args]);
      // Until the widget is in, the loader's window opens and closes at once.
      if (name !== 'send') shell(name === 'open' || (name === 'toggle' && !shown));
      if (loads) load();
      return true;
    };
  }

  var api = {
    /** The element the widget lives in (events are dispatched on it), or null. */
    element: null,
    init: function (given) {
      if (host) api.destroy();
      options = Object.assign(fromScript(), fromInit(given));
      host = document.createElement('div');
      host.className = 'docent-host';
      api.element = host;
      if (document.body) start();
      else listen(document, 'DOMContentLoaded', start);
      return api;
    },
    open: forward('open', true),
    close: forward('close', false),
    toggle: forward('toggle', true),
    send: forward('send', true),
    on: function (name, fn) {
      if (EVENTS.indexOf(name) < 0 || typeof fn !== 'function') {
        warn('Docent.on("' + name + '"): there is no such event, or no function was given. Events: ' + EVENTS.join(', ') + '.');
        return api;
      }
      var wrapped = function (event) { fn(event.detail, event); };
      handlers.push([name, fn, wrapped]);
      if (host) host.addEventListener('docent:' + name, wrapped);
      return api;
    },
    off: function (name, fn) {
      handlers = handlers.filter(function (h) {
        var match = h[0] === name && (!fn || h[1] === fn);
        if (match && host) host.removeEventListener('docent:' + name, h[2]);
        return !match;
      });
      return api;
    },
    destroy: function () {
      if (widget) {
        widget.destroy();
        widget.free(); // the wasm side's handle
      }
      open = false;
      lock();
      if (host) host.remove();
      if (link) link.remove();
      undo.forEach(function (fn) { fn(); });
      widget = loading = host = link = api.element = texts = drawn = null;
      shown = failed = painted = false;
      pending = [];
      queue = [];
      undo = [];
    }
  };
  window.Docent = api;

  // One tag is enough: options on the script tag start the widget. Without any, the page
  // calls Docent.init({...}) itself.
  if (Object.keys(fromScript()).length) {
    api.init();
  } else {
    window.addEventListener('load', function () {
      if (!host) warn('not started: give the script tag data-product-id and data-public-key, or call Docent.init({ productId, publicKey }).');
    }, { once: true });
  }
})();
