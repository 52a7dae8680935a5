// Shared by every screen: JSON calls with the CSRF token, small DOM helpers.
"use strict";

const isr = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  class ApiError extends Error {
    constructor(status, body) {
      super(body.error || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, { method = "GET", body, signal } = {}) {
    const options = { method, signal, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = csrf;
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (response.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function debounce(fn, ms) {
    let timer;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // A parse error: its message, and the typed text with a caret under the offset.
  function showParseError(box, text, error) {
    box.hidden = false;
    box.querySelector(".parse-message").textContent = error.message;
    const where = box.querySelector(".parse-where");
    if (error.offset === null || error.offset === undefined) {
      where.textContent = error.macro ? `(inside preset $${error.macro}$)` : "";
      return;
    }
    const line = text.replace(/\s/g, " ");
    const end = text.indexOf("&", error.offset);
    const width = Math.max(1, (end < 0 ? text.length : end) - error.offset);
    where.textContent = `${line}\n${" ".repeat(error.offset)}${"^".repeat(width)} offset ${error.offset}`;
  }

  function bytes(n) {
    if (n < 1024) return `${n} bytes`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB (${n} bytes)`;
    return `${(n / 1024 / 1024).toFixed(2)} MiB (${n} bytes)`;
  }

  let me = null;
  async function whoami() {
    if (!me) me = await api("/web/api/me");
    return me;
  }

  return { api, ApiError, el, debounce, showParseError, bytes, whoami, company: document.body.dataset.company };
})();
