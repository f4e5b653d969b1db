/* 热线百科 — the one fetch helper every page uses, plus small DOM helpers.
 *
 * Why here: the staff token, the "expired session keeps what you typed" rule and the safe way of
 * putting user text on the page must be the same on every page.
 *
 *   Hotline.api(path, {method, body})  -> Promise of the parsed JSON; rejects with Hotline.ApiError
 *                                         ({status, code, message, details}); sends/accepts JSON and
 *                                         adds "Authorization: Bearer <token>" when a staff token is in
 *                                         sessionStorage (key Hotline.TOKEN_KEY).
 *   On 401 for a request that carried a token (or any staff page request): the page's form fields are
 *   saved to localStorage under the page URL and the browser goes to /staff/login?next=<url>.
 *   Hotline.restoreDrafts()            -> refills those fields after login (call on page load).
 *   Hotline.el(tag, attrs, ...children) builds nodes with textContent only; no HTML parsing.
 *   Hotline.highlightNodes(html)       -> nodes for an engine highlight ("escaped text with <em>").
 */
(function () {
  "use strict";

  var TOKEN_KEY = "hotline.token";
  var USER_KEY = "hotline.user";
  var DRAFT_PREFIX = "hotline.draft:";
  var LOGIN_PATH = "/staff/login";

  document.documentElement.classList.add("js");

  function ApiError(status, code, message, details) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  function getToken() {
    try { return window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }
  function setToken(token, user) {
    window.sessionStorage.setItem(TOKEN_KEY, token);
    if (user) window.sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  }
  function clearToken() {
    window.sessionStorage.removeItem(TOKEN_KEY);
    window.sessionStorage.removeItem(USER_KEY);
  }
  function getUser() {
    try { return JSON.parse(window.sessionStorage.getItem(USER_KEY) || "null"); } catch (e) { return null; }
  }

  function pageKey(url) {
    return DRAFT_PREFIX + (url || window.location.pathname + window.location.search);
  }

  function fieldKey(field, index) {
    return field.name || field.id || ("#" + index);
  }

  function draftableFields() {
    return Array.prototype.slice.call(document.querySelectorAll("input, textarea, select")).filter(function (f) {
      var type = (f.type || "").toLowerCase();
      return type !== "password" && type !== "hidden" && type !== "submit" && type !== "button" && type !== "file";
    });
  }

  /* Save every visible form field of the page, so a re-login brings the text back. */
  function saveDrafts() {
    var values = {};
    draftableFields().forEach(function (f, i) {
      var type = (f.type || "").toLowerCase();
      values[fieldKey(f, i)] = (type === "checkbox" || type === "radio") ? f.checked : f.value;
    });
    try { window.localStorage.setItem(pageKey(), JSON.stringify(values)); } catch (e) { /* storage full */ }
  }

  /* Refill the fields saved by saveDrafts for this URL, then forget them. Returns true if any. */
  function restoreDrafts() {
    var raw;
    try { raw = window.localStorage.getItem(pageKey()); } catch (e) { return false; }
    if (!raw) return false;
    var values;
    try { values = JSON.parse(raw); } catch (e) { values = null; }
    window.localStorage.removeItem(pageKey());
    if (!values) return false;
    draftableFields().forEach(function (f, i) {
      var key = fieldKey(f, i);
      if (!(key in values)) return;
      var type = (f.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") f.checked = !!values[key];
      else f.value = values[key];
      f.dispatchEvent(new Event("input", { bubbles: true }));
    });
    return true;
  }

  function goToLogin() {
    var here = window.location.pathname + window.location.search;
    saveDrafts();
    clearToken();
    window.location.assign(LOGIN_PATH + "?next=" + encodeURIComponent(here));
  }

  function api(path, options) {
    options = options || {};
    var headers = { "Accept": "application/json" };
    var init = { method: options.method || (options.body !== undefined ? "POST" : "GET"), headers: headers };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (options.headers) Object.keys(options.headers).forEach(function (k) { headers[k] = options.headers[k]; });
    var token = getToken();
    if (token) headers["Authorization"] = "Bearer " + token;
    if (options.signal) init.signal = options.signal;
    return window.fetch(path, init).then(function (resp) {
      return resp.text().then(function (text) {
        var data = null;
        if (text) { try { data = JSON.parse(text); } catch (e) { data = null; } }
        if (resp.ok) return data;
        var err = (data && data.error) || {};
        var failure = new ApiError(resp.status, err.code || "http_" + resp.status,
          err.message || "请求失败（" + resp.status + "）", err.details);
        var staffCall = token || options.auth === true;
        if (resp.status === 401 && staffCall && options.redirectOn401 !== false) goToLogin();
        throw failure;
      });
    }, function (e) {
      if (e && e.name === "AbortError") throw e;
      throw new ApiError(0, "network_error", "网络连接失败，请检查网络后重试", null);
    });
  }

  /* el("a", {href: "/x", className: "y"}, "text", childNode) — text always via textContent. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "className") node.className = v;
        else if (k === "text") node.textContent = v;
        else if (k.indexOf("on") === 0 && typeof v === "function") node.addEventListener(k.slice(2), v);
        else node.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };
  function unescapeHtml(s) {
    return s.replace(/&(amp|lt|gt|quot|#x27|#39);/g, function (m) { return ENTITIES[m]; });
  }

  /* Engine highlights are escaped text with <em> marks: build text nodes and <em> elements from them. */
  function highlightNodes(value) {
    var out = [];
    var inside = false;
    String(value || "").split(/(<\/?em>)/).forEach(function (part) {
      if (part === "<em>") { inside = true; return; }
      if (part === "</em>") { inside = false; return; }
      if (!part) return;
      var text = unescapeHtml(part);
      out.push(inside ? el("em", null, text) : document.createTextNode(text));
    });
    return out;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var self = this, args = arguments;
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(function () { timer = null; fn.apply(self, args); }, ms);
    };
  }

  /* Show the API's 422 field errors next to the fields (details: [{field, message}] or {field}). */
  function showFieldErrors(form, error, fallback) {
    clearFieldErrors(form);
    var details = error && error.details;
    var list = Array.isArray(details) ? details : (details && details.field ? [details] : []);
    var placed = false;
    list.forEach(function (d) {
      var name = String(d.field || "").split(".").pop();
      var field = name && form.querySelector("[name='" + name.replace(/'/g, "") + "']");
      if (!field) return;
      var box = field.closest(".field") || field.parentNode;
      box.classList.add("invalid");
      box.appendChild(el("div", { className: "field-error", role: "alert" }, d.message || error.message));
      placed = true;
    });
    if (!placed) {
      var target = form.querySelector(".form-error-slot") || form;
      target.appendChild(el("div", { className: "form-error field-error", role: "alert" },
        (error && error.message) || fallback || "提交失败，请稍后重试"));
    }
  }
  function clearFieldErrors(form) {
    Array.prototype.slice.call(form.querySelectorAll(".field-error")).forEach(function (n) { n.remove(); });
    Array.prototype.slice.call(form.querySelectorAll(".invalid")).forEach(function (n) { n.classList.remove("invalid"); });
  }

  window.Hotline = {
    TOKEN_KEY: TOKEN_KEY,
    USER_KEY: USER_KEY,
    LOGIN_PATH: LOGIN_PATH,
    ApiError: ApiError,
    api: api,
    getToken: getToken,
    setToken: setToken,
    clearToken: clearToken,
    getUser: getUser,
    saveDrafts: saveDrafts,
    restoreDrafts: restoreDrafts,
    goToLogin: goToLogin,
    el: el,
    highlightNodes: highlightNodes,
    debounce: debounce,
    showFieldErrors: showFieldErrors,
    clearFieldErrors: clearFieldErrors
  };
  window.api = api;
  window.restoreDrafts = restoreDrafts;
})();
