// Switchboard development mode (make dev): this script is added to every
// page by switchboard-dev, never by the switchboard server. It listens to
// the build states on /_dev/events and
// - reloads the page when a new build is applied,
// - swaps the stylesheets in place when only CSS changed,
// - tells the app to reconnect at once (the "switchboard:retry" window
//   event) when only the server restarted, keeping the page as it is,
// - shows a "Rebuilding…" badge while a build runs,
// - shows the compiler's (or the server's) output in an overlay while the
//   last build failed; the next build that works reloads the page.
(() => {
  "use strict";

  const src = new URL(document.currentScript.src);
  let build = Number(src.searchParams.get("build")) || 0;
  const root = document.documentElement;
  root.dataset.devBuild = String(build);

  // make dev-bench's account of a reload: a performance mark once app.wasm
  // is compiled and instantiated, before go-app runs it.
  const instantiate = WebAssembly.instantiateStreaming;
  if (instantiate) {
    WebAssembly.instantiateStreaming = (...args) =>
      instantiate.apply(WebAssembly, args).then((r) => {
        performance.mark("sb-dev-wasm-ready");
        return r;
      });
  }

  const font = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
  let badge = null;
  let overlay = null;
  let hidden = "";

  function el(tag, style, text) {
    const e = document.createElement(tag);
    Object.assign(e.style, style);
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function showBuilding(on) {
    if (!on) {
      if (badge) {
        badge.remove();
        badge = null;
      }
      return;
    }
    if (badge) {
      return;
    }
    badge = el("div", {
      position: "fixed", right: "12px", bottom: "12px", zIndex: "2147483646",
      padding: "6px 12px", borderRadius: "999px", background: "#312e81",
      color: "#e0e7ff", font: "600 13px/1.4 system-ui, sans-serif",
      boxShadow: "0 2px 8px rgba(0,0,0,.35)", pointerEvents: "none",
    }, "Rebuilding…");
    badge.setAttribute("role", "status");
    badge.setAttribute("aria-label", "Development build");
    document.body.append(badge);
  }

  function showProblem(problem, output) {
    const key = problem + "\n" + output;
    if (overlay && overlay.dataset.key === key) {
      return;
    }
    hideProblem();
    if (hidden === key) {
      return;
    }
    overlay = el("div", {
      position: "fixed", inset: "0", zIndex: "2147483647", display: "flex",
      alignItems: "flex-start", justifyContent: "center", padding: "5vh 16px",
      background: "rgba(15, 17, 23, .72)", overflow: "auto",
    });
    overlay.dataset.key = key;
    overlay.id = "switchboard-dev-overlay";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "false");
    overlay.setAttribute("aria-labelledby", "switchboard-dev-title");
    overlay.setAttribute("aria-describedby", "switchboard-dev-output");

    const card = el("div", {
      maxWidth: "960px", width: "100%", background: "#1c1917", color: "#fafaf9",
      border: "2px solid #ef4444", borderRadius: "12px", padding: "20px 24px",
      boxShadow: "0 12px 40px rgba(0,0,0,.5)", font: "15px/1.5 system-ui, sans-serif",
    });
    const title = el("h2", { margin: "0 0 4px", font: "700 20px/1.3 system-ui, sans-serif", color: "#fca5a5" }, problem);
    title.id = "switchboard-dev-title";
    const hint = el("p", { margin: "0 0 12px", color: "#d6d3d1" },
      "Fix it and save: this page reloads by itself when the next build works.");
    const pre = el("pre", {
      margin: "0", padding: "12px", maxHeight: "60vh", overflow: "auto",
      background: "#0c0a09", borderRadius: "8px", font: "13px/1.5 " + font,
      whiteSpace: "pre-wrap", wordBreak: "break-word",
    }, output);
    pre.id = "switchboard-dev-output";
    pre.tabIndex = 0;
    const close = el("button", {
      marginTop: "12px", padding: "6px 14px", borderRadius: "6px", border: "1px solid #a8a29e",
      background: "transparent", color: "inherit", font: "inherit", cursor: "pointer",
    }, "Hide");
    close.type = "button";
    close.addEventListener("click", () => {
      hidden = key;
      hideProblem();
    });
    card.append(title, hint, pre, close);
    overlay.append(card);
    overlay.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        close.click();
      }
    });
    document.body.append(overlay);
  }

  function hideProblem() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  // swapStyles loads each stylesheet of this origin's /web/ again under a
  // new URL, and drops the old one once the new one applies (no flash).
  function swapStyles(n) {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin || !url.pathname.startsWith("/web/")) {
        continue;
      }
      url.searchParams.set("dev", String(n));
      const next = link.cloneNode();
      next.href = url.href;
      next.addEventListener("load", () => link.remove(), { once: true });
      next.addEventListener("error", () => next.remove(), { once: true });
      link.after(next);
    }
  }

  const events = new EventSource("/_dev/events");
  events.onmessage = (e) => {
    const s = JSON.parse(e.data);
    if (s.build !== build) {
      if ((s.kind !== "css" && s.kind !== "restart") || s.build !== build + 1) {
        location.reload();
        return;
      }
      if (s.kind === "css") {
        swapStyles(s.build);
      } else {
        window.dispatchEvent(new Event("switchboard:retry"));
      }
      build = s.build;
      root.dataset.devBuild = String(build);
    }
    showBuilding(s.building);
    if (s.problem) {
      showProblem(s.problem, s.output || "");
    } else {
      hidden = "";
      hideProblem();
    }
  };
})();
