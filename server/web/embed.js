/* Switchboard embed loader. On any site:
 *   <script src="https://chat.example.com/embed.js" data-room="support" async></script>
 * data- options: room or mode ("conversation"), position (bottom-right | bottom-left), title, accent (#hex),
 * target (a CSS selector: an inline panel there instead of a bubble), open ("true").
 * API: window.Switchboard.open() close() toggle() setToken(jwt) setRoom(name)
 * on(event, fn) off(event, fn); events: ready, message, unread. Calls queued
 * before the script loads: (window.Switchboard = window.Switchboard || []).push(["setToken", jwt]).
 * Its nodes live in one shadow root; it hears only its own iframe, at the server's origin.
 * A site the server does not allow gets a readable notice (see embed.json). */
(function () {
  "use strict";
  var w = window, doc = document, script = doc.currentScript;
  if (!script || !script.src || (w.Switchboard && w.Switchboard.version)) return;
  var PREFIX = "switchboard:embed:v1:";
  var ROOM = /^[A-Za-z0-9_-]{1,64}$/;
  var src = new URL(script.src, doc.baseURI);
  var server = src.origin;
  var base = src.pathname.replace(/embed\.js$/, "");
  var d = script.dataset;
  // data-mode="conversation": each visitor talks privately with the site's agents.
  var room = d.mode === "conversation" ? "conv-me" : ROOM.test(d.room || "") ? d.room : "lobby";
  var title = (d.title || "Chat").slice(0, 80);
  var accent = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(d.accent || "") ? d.accent : "";
  var left = d.position === "bottom-left";
  var target = null;
  if (d.target) {
    try { target = doc.querySelector(d.target); } catch (e) { }
    if (!target) console.warn("Switchboard: no element matches data-target " + d.target);
  }
  var inline = !!target;
  var KEY = "switchboard-embed-open:" + server + base;
  var open = inline, ready = false, token = "", unread = 0, listeners = {};

  function remembered() {
    try { return w.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function remember(v) {
    try { w.localStorage.setItem(KEY, v ? "1" : "0"); } catch (e) { }
  }
  function frameURL() {
    var u = server + base + "embed/" + room + "?origin=" + encodeURIComponent(w.location.origin);
    return accent ? u + "&accent=" + encodeURIComponent(accent) : u;
  }
  function el(tag, attrs, parent) {
    var e = doc.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  var host = el("div", { "data-switchboard": "" });
  var root = host.attachShadow({ mode: "open" });
  var css = ":host{all:initial}" +
    "*{box-sizing:border-box}" +
    "iframe{display:block;width:100%;height:100%;border:0;background:#fff;color-scheme:normal}" +
    ".sb-error{height:100%;padding:24px;background:#fff;color:#222;font:15px/1.5 system-ui,sans-serif}" +
    ".sb-error-title{font-weight:700}";
  if (inline) {
    css += ":host{display:block;width:100%;height:100%;min-height:360px}div{height:100%}";
  } else {
    var side = left ? "left" : "right", a = accent || "#4f46e5";
    css += ".sb-launcher{position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;width:56px;height:56px;" +
      "border:0;border-radius:50%;padding:0;cursor:pointer;background:" + a + ";color:#fff;" +
      "box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}" +
      ".sb-launcher:focus-visible,.sb-close:focus-visible{outline:3px solid " + a + ";outline-offset:3px}" +
      ".sb-launcher svg{width:28px;height:28px;fill:currentColor}" +
      ".sb-badge{position:absolute;top:-4px;" + (left ? "right" : "left") + ":-4px;min-width:22px;height:22px;" +
      "padding:0 6px;border-radius:11px;background:#d93025;color:#fff;font:700 12px/22px system-ui,sans-serif;" +
      "text-align:center;box-shadow:0 0 0 2px #fff}" +
      ".sb-badge[hidden]{display:none}" +
      ".sb-panel{position:fixed;bottom:88px;" + side + ":20px;z-index:2147483000;width:370px;" +
      "height:min(560px,calc(100vh - 108px));display:flex;flex-direction:column;overflow:hidden;" +
      "border-radius:14px;background:#fff;box-shadow:0 12px 40px rgba(0,0,0,.28)}" +
      ".sb-panel.sb-closed{visibility:hidden;pointer-events:none;opacity:0;transform:translateY(12px)}" +
      ".sb-head{flex:none;display:flex;align-items:center;gap:8px;height:44px;padding:0 6px 0 16px;" +
      "background:" + a + ";color:#fff;font:600 15px system-ui,sans-serif}" +
      ".sb-title{flex:1;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}" +
      ".sb-close{width:36px;height:36px;border:0;border-radius:8px;background:transparent;color:#fff;" +
      "font:400 26px/1 system-ui,sans-serif;cursor:pointer}" +
      ".sb-close:hover{background:rgba(255,255,255,.18)}" +
      ".sb-body{flex:1;min-height:0}" +
      "@media (max-width:600px){.sb-panel{inset:0;width:100%;height:100%;border-radius:0}" +
      ".sb-open .sb-launcher{display:none}}" +
      "@media (prefers-reduced-motion:no-preference){.sb-panel{transition:opacity .15s,transform .15s,visibility .15s}}";
  }
  el("style", {}, root).textContent = css;
  var wrap = el("div", {}, root);
  var frame, launcher, badge, panel;
  if (inline) {
    frame = el("iframe", { title: title }, wrap);
  } else {
    launcher = el("button", { type: "button", "class": "sb-launcher", "aria-expanded": "false" }, wrap);
    launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';
    badge = el("span", { "class": "sb-badge", hidden: "", "aria-hidden": "true" }, launcher);
    panel = el("div", { "class": "sb-panel sb-closed", role: "region", "aria-label": title }, wrap);
    var head = el("div", { "class": "sb-head" }, panel);
    el("span", { "class": "sb-title" }, head).textContent = title;
    var close = el("button", { type: "button", "class": "sb-close", "aria-label": "Close " + title }, head);
    close.textContent = "\u00d7";
    frame = el("iframe", { title: title }, el("div", { "class": "sb-body" }, panel));
    launcher.addEventListener("click", function () { api.toggle(); });
    close.addEventListener("click", function () { api.close(); launcher.focus(); });
  }
  frame.setAttribute("allow", "clipboard-write");
  frame.src = frameURL();

  // A refused frame shows an unreadable error page: ask the server instead.
  function unavailable(why, fix) {
    var box = el("div", { "class": "sb-error", role: "alert" });
    el("p", { "class": "sb-error-title" }, box).textContent = "The chat cannot be shown here.";
    el("p", {}, box).textContent = why;
    frame.parentNode.replaceChild(box, frame);
    console.error("Switchboard: " + why + " " + fix);
  }
  var o = w.location.origin;
  fetch(server + base + "embed.json?origin=" + encodeURIComponent(o), { credentials: "omit" })
    .then(function (r) { return r.json(); })
    .then(function (j) {
      if (!j.allowed) unavailable("This site (" + o + ") is not one the chat server at " + server + " lets show its chat.",
        "To allow it, start the server with --embed-origins " + o + " (or SWITCHBOARD_EMBED_ORIGINS=" + o + ").");
    }, function () {
      if (!ready) unavailable("The chat server at " + server + " cannot be reached.", "Try again later.");
    });

  function post(m) {
    if (ready && frame.contentWindow) frame.contentWindow.postMessage(PREFIX + JSON.stringify(m), server);
  }
  function emit(type, detail) {
    (listeners[type] || []).slice().forEach(function (fn) {
      try { fn(detail); } catch (e) { console.error(e); }
    });
  }
  function label() {
    launcher.setAttribute("aria-label", title + (unread ? ", " + unread + " unread" : ""));
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    if (unread && !open) badge.removeAttribute("hidden"); else badge.setAttribute("hidden", "");
  }
  function setOpen(v, keep) {
    if (inline || v === open) return;
    open = v;
    panel.classList.toggle("sb-closed", !open);
    wrap.classList.toggle("sb-open", open);
    label();
    if (!keep) remember(open);
    post({ type: "open", open: open });
    if (open) frame.focus();
  }

  w.addEventListener("message", function (e) {
    if (e.origin !== server || e.source !== frame.contentWindow ||
      typeof e.data !== "string" || e.data.indexOf(PREFIX) !== 0) return;
    var m;
    try { m = JSON.parse(e.data.slice(PREFIX.length)); } catch (err) { return; }
    if (!m || typeof m.type !== "string") return;
    switch (m.type) {
      case "ready":
        ready = true;
        post({ type: "config", token: token, open: open, page: w.location.href.slice(0, 512) });
        emit("ready", { room: m.room || room });
        break;
      case "unread":
        unread = m.count > 0 ? m.count | 0 : 0;
        if (!inline) label();
        emit("unread", { room: m.room || room, count: unread });
        break;
      case "message":
        emit("message", { room: m.room || room, user: m.user || "", text: m.text || "", offset: m.offset || 0, mine: !!m.mine });
        break;
    }
  });

  var api = {
    version: 1,
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    toggle: function () { setOpen(!open); },
    isOpen: function () { return open; },
    unread: function () { return unread; },
    setToken: function (jwt) {
      token = jwt ? String(jwt) : "";
      post({ type: "token", token: token });
    },
    setRoom: function (name) {
      if (!ROOM.test(name || "")) throw new Error("Switchboard: invalid room name " + name);
      if (name === room) return;
      room = name;
      if (ready) post({ type: "room", room: room }); else frame.src = frameURL();
    },
    on: function (type, fn) { (listeners[type] = listeners[type] || []).push(fn); },
    off: function (type, fn) {
      listeners[type] = (listeners[type] || []).filter(function (f) { return f !== fn; });
    }
  };
  var queued = w.Switchboard;
  w.Switchboard = api;

  (target || doc.body).appendChild(host);
  if (!inline) {
    label();
    var was = remembered();
    setOpen(was === null ? d.open === "true" : was === "1", true);
  }
  if (Array.isArray(queued)) {
    queued.forEach(function (c) {
      if (c && typeof api[c[0]] === "function") api[c[0]].apply(api, c.slice(1));
    });
  }
})();
