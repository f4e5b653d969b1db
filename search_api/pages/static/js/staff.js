/* 热线百科 — staff workbench: the shared start-up (who is signed in) and the entries-by-state page.
 *
 * Every staff page calls Staff.start(fn): without a token the browser goes to the login page;
 * with one, /api/auth/me says who is working, the bar shows it, and fn(user) builds the page.
 * The API applies every role and department rule; the pages only hide buttons a role cannot use.
 * All text from the API goes on the page through Hotline.el (textContent), never as markup.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var el = H.el;

  var EDITOR_ROLES = ["specialist", "manager"];

  function loginUrl() {
    return H.LOGIN_PATH + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  /* Leave for the login page without saving the (still unfilled) fields: a draft saved by an
     earlier expired request must survive until this page is reopened with a fresh token. */
  function leave() {
    H.clearToken();
    window.location.assign(loginUrl());
  }

  function start(build) {
    if (!H.getToken()) { leave(); return; }
    H.api("/api/auth/me", { redirectOn401: false }).then(function (user) {
      var bar = document.getElementById("staff-user");
      if (bar) {
        bar.textContent = "";
        bar.appendChild(el("strong", null, user.display_name || user.username));
        bar.appendChild(document.createTextNode(
          "（" + user.role_label + (user.department ? " · " + user.department : "") + "）"));
      }
      var canEdit = EDITOR_ROLES.indexOf(user.role) >= 0;
      var link = document.getElementById("link-new-entry");
      if (link && !canEdit) link.hidden = true;
      build(user);
    }, function (error) {
      if (error.status === 401) { leave(); return; }
      showPageError(error);
    });
  }

  function showPageError(error) {
    var main = document.getElementById("main");
    var box = el("p", { className: "form-error", role: "alert" }, error.message || "加载失败，请刷新重试");
    main.insertBefore(box, main.firstChild.nextSibling);
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  /* "2026-06-01T10:00:00+08:00" -> "2026-06-01 10:00" in the browser's time zone. */
  function formatTime(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function query(params) {
    return Object.keys(params).filter(function (k) {
      return params[k] !== undefined && params[k] !== null && params[k] !== "";
    }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  /* The audit history, newest first: who, when, what, from → to, why (and which fields an edit
     changed, named by ``fieldLabel``). */
  function fillAudit(body, rows, labels, fieldLabel) {
    body.textContent = "";
    rows.slice().reverse().forEach(function (row) {
      var from = row.from_state ? (labels.states[row.from_state] || row.from_state) : "—";
      var to = row.to_state ? (labels.states[row.to_state] || row.to_state) : "—";
      var notes = row.reason ? [row.reason] : [];
      var changed = row.details && row.details.changed;
      if (Array.isArray(changed) && changed.length) {
        notes.push("修改了：" + changed.map(function (n) { return n === "qas" ? "问答" : fieldLabel(n); }).join("、"));
      }
      body.appendChild(el("tr", null,
        el("td", null, formatTime(row.at)),
        el("td", null, row.actor || "系统"),
        el("td", null, labels.actions[row.action] || row.action),
        el("td", null, from + " → " + to),
        el("td", null, notes.join("；"))));
    });
  }

  function isManager(user) { return user.role === "manager" || user.role === "admin"; }

  /* ---- /staff: entries by state ---- */

  var GROUP_SIZE = 50;

  function entryItem(entry) {
    var title = entry.title || "（未填写标题）";
    var state = entry.working_state && entry.status !== "unpublished"
      ? entry.status_label + " · 有修订中的版本" : entry.status_label;
    return el("li", { className: "entry-item" },
      el("a", { href: "/staff/entries/" + encodeURIComponent(entry.id), className: "entry-link" }, title),
      el("span", { className: "muted small" },
        " " + entry.id + " · " + (entry.department || "") + " · " + state + " · 更新于 " +
        formatTime(entry.updated_at)));
  }

  function loadGroup(section, filters) {
    var state = section.getAttribute("data-state");
    var list = section.querySelector(".entry-list");
    var badge = section.querySelector(".state-count");
    var more = section.querySelector(".more");
    var params = { state: state, size: GROUP_SIZE, department: filters.department, q: filters.q };
    return H.api("/api/staff/entries?" + query(params)).then(function (page) {
      list.textContent = "";
      page.data.forEach(function (entry) { list.appendChild(entryItem(entry)); });
      if (!page.data.length) list.appendChild(el("li", { className: "muted small" }, "暂无"));
      badge.textContent = String(page.count);
      more.hidden = page.count <= page.data.length;
      more.textContent = "仅显示最近更新的 " + page.data.length + " 条，共 " + page.count + " 条。";
      section.classList.toggle("empty", page.count === 0);
      return { state: state, label: section.querySelector(".state-label").textContent, count: page.count };
    });
  }

  function dashboard(user) {
    var filterForm = document.getElementById("dashboard-filter");
    var title = document.getElementById("dashboard-title");
    var newButton = document.getElementById("new-entry-button");
    var sections = Array.prototype.slice.call(document.querySelectorAll(".state-group"));
    newButton.hidden = EDITOR_ROLES.indexOf(user.role) < 0;
    var own = !isManager(user);
    if (own) {
      title.textContent = "本部门条目" + (user.department ? " · " + user.department : "");
    } else {
      title.textContent = "全部部门条目";
      filterForm.hidden = false;
    }

    function reload() {
      var filters = {
        department: own ? (user.department || "") : filterForm.department.value,
        q: filterForm.q.value.trim()
      };
      if (own && !filters.department) {
        document.getElementById("state-counts").textContent = "您的账号未分配部门，无法查看条目。";
        return;
      }
      Promise.all(sections.map(function (s) { return loadGroup(s, filters); })).then(function (counts) {
        document.getElementById("state-counts").textContent = counts.map(function (c) {
          return c.label + " " + c.count;
        }).join(" · ");
      }, showPageError);
    }
    filterForm.addEventListener("submit", function (e) { e.preventDefault(); reload(); });
    filterForm.department.addEventListener("change", reload);
    filterForm.q.addEventListener("input", H.debounce(reload, 300));
    reload();
  }

  window.Staff = {
    start: start,
    formatTime: formatTime,
    query: query,
    isManager: isManager,
    fillAudit: fillAudit,
    showPageError: showPageError,
    EDITOR_ROLES: EDITOR_ROLES
  };

  if (document.getElementById("dashboard")) start(dashboard);
})();
