/* 热线百科 — staff sign-in and sign-out (pages /staff/login and /staff/logout).
 *
 * Why not Hotline.api for the password: the token endpoint is an OAuth2 form post, and its 401
 * means "wrong password" (shown next to the field), not "session expired" (which api.js turns
 * into a redirect to this very page). The token and the account (/api/auth/me) go to
 * sessionStorage through Hotline.setToken, so they end with the tab.
 * Where to go next was already reduced to a same-site path by the server (data-next).
 */
(function () {
  "use strict";
  var H = window.Hotline;

  var logout = document.getElementById("logout-page");
  if (logout) { H.clearToken(); return; }

  var form = document.getElementById("login-form");
  if (!form) return;
  var next = form.getAttribute("data-next") || "";
  var button = document.getElementById("login-submit");

  /* A draft saved by api.js for the page we return to means the session ran out mid-work. */
  if (next) {
    try {
      if (window.localStorage.getItem("hotline.draft:" + next)) {
        document.getElementById("login-expired").hidden = false;
      }
    } catch (e) { /* storage unavailable: no notice */ }
  }

  function destination(user) {
    if (next) return next;
    return user && user.role === "agent" ? "/agent" : "/staff";
  }

  function fail(error) {
    var detailed = error && Array.isArray(error.details) && error.details.length;
    if (error && error.status === 401) {
      // Wrong name or password: say so at the password, the field the user will retype.
      H.showFieldErrors(form, { message: error.message, details: [{ field: "password", message: error.message }] });
    } else if (detailed) {
      H.showFieldErrors(form, error);
    } else {
      H.showFieldErrors(form, error, "登录失败，请稍后重试");
    }
    button.disabled = false;
    var first = form.querySelector(".invalid input");
    if (first) first.focus();
  }

  function readJson(resp) {
    return resp.text().then(function (text) {
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (resp.ok) return data;
      var err = (data && data.error) || {};
      throw new H.ApiError(resp.status, err.code || "http_" + resp.status,
        err.message || "登录失败（" + resp.status + "）", err.details);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    H.clearFieldErrors(form);
    var username = form.username.value.trim();
    var password = form.password.value;
    var missing = [];
    if (!username) missing.push({ field: "username", message: "请输入用户名" });
    if (!password) missing.push({ field: "password", message: "请输入密码" });
    if (missing.length) { fail({ status: 422, message: "请填写用户名和密码", details: missing }); return; }
    button.disabled = true;
    var body = new URLSearchParams();
    body.set("username", username);
    body.set("password", password);
    window.fetch("/api/auth/token", {
      method: "POST",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(readJson, function () {
      throw new H.ApiError(0, "network_error", "网络连接失败，请检查网络后重试", null);
    }).then(function (token) {
      return window.fetch("/api/auth/me", {
        headers: { "Accept": "application/json", "Authorization": "Bearer " + token.access_token }
      }).then(readJson).then(function (user) {
        H.setToken(token.access_token, user);
        window.location.assign(destination(user));
      });
    }).catch(fail);
  });
})();
