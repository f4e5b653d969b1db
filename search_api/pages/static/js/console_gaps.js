/* 热线百科 — /agent/gaps: gap reports for managers (all) and departments (their own), zero results.
 *
 * Why one script for both audiences: the API decides what each account may see and do (managers
 * assign and close anything, department staff close their own); the page shows the actions the
 * role can use and puts every API refusal next to the form that caused it.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var root = document.getElementById("gaps-page");
  if (!root) return;

  var list = document.getElementById("gaps-list");
  var stateSelect = document.getElementById("gaps-state");
  var statusLine = document.getElementById("gaps-status");
  var user = null;

  function say(text) { statusLine.textContent = text; }

  function departmentSelect() {
    var select = H.el("select", { name: "department" }, H.el("option", { value: "" }, "选择部门"));
    var options = document.getElementById("department-options").content.querySelectorAll("option");
    Array.prototype.forEach.call(options, function (o) { select.appendChild(o.cloneNode(true)); });
    return select;
  }

  function actionForm(label, field, onSubmit) {
    var form = H.el("form", { className: "gap-action" }, field,
      H.el("button", { type: "submit", className: "secondary" }, label), H.el("div", { className: "form-error-slot" }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      H.clearFieldErrors(form);
      onSubmit(form).then(load, function (error) { H.showFieldErrors(form, error); });
    });
    return form;
  }

  function reportNode(r) {
    var item = H.el("li", { className: "gap card", "data-id": r.id },
      H.el("p", { className: "gap-head" },
        H.el("strong", null, "#" + r.id + " " + r.kind_label), " ",
        H.el("span", { className: "badge" + (r.state === "closed" ? " ok" : r.state === "unassigned" ? " warn" : "") },
          r.state_label), " ",
        H.el("span", { className: "muted small" }, r.created_at ? r.created_at.slice(0, 16).replace("T", " ") : "")),
      r.entry_id ? H.el("p", { className: "small" }, "条目：",
        H.el("a", { href: "/entries/" + encodeURIComponent(r.entry_id), target: "_blank" }, r.entry_title || r.entry_id))
        : null,
      r.query ? H.el("p", { className: "small" }, "检索词：", r.query) : null,
      H.el("p", { className: "gap-detail" }, r.detail),
      H.el("p", { className: "muted small" }, "报告人：" + (r.reporter || "") + " · 承办部门：" + (r.department || "待分派")),
      r.close_reason ? H.el("p", { className: "small" }, "关闭原因：", r.close_reason) : null);
    if (r.state === "closed" || !user) return item;
    var actions = H.el("div", { className: "gap-actions" });
    if (user.role === "manager") {
      actions.appendChild(actionForm("分派", departmentSelect(), function (form) {
        var department = form.querySelector("select").value;
        return H.api("/api/gap-reports/" + r.id + "/assign", { body: { department: department || null } });
      }));
    }
    if (user.role === "manager" || user.role === "specialist" || user.role === "dept_reviewer") {
      var reason = H.el("input", { type: "text", name: "reason", maxlength: "1000", placeholder: "关闭原因（必填）",
        "aria-label": "关闭原因" });
      actions.appendChild(actionForm("关闭", reason, function () {
        return H.api("/api/gap-reports/" + r.id + "/close", { body: { reason: reason.value } });
      }));
    }
    item.appendChild(actions);
    return item;
  }

  function load() {
    var params = stateSelect.value ? "?state=" + encodeURIComponent(stateSelect.value) : "";
    return H.api("/api/gap-reports" + params).then(function (data) {
      list.replaceChildren.apply(list, data.reports.map(reportNode));
      say(data.reports.length ? "共 " + data.reports.length + " 条" : "没有符合条件的反馈");
    }, function (error) { say(error.message); });
  }

  function zeroRow(row) {
    var button = H.el("button", { type: "button", className: "secondary" }, "转为缺失反馈");
    button.addEventListener("click", function () {
      button.disabled = true;
      H.api("/api/gap-reports", {
        body: { kind: "missing", query: row.query, detail: "检索「" + row.query + "」无结果，共 " + row.count + " 次" }
      }).then(function (r) { say("已生成反馈 #" + r.id); load(); }, function (error) {
        button.disabled = false;
        say(error.message);
      });
    });
    return H.el("tr", null, H.el("td", null, row.query), H.el("td", null, String(row.count)),
      H.el("td", null, (row.last_at || "").slice(0, 16).replace("T", " ")), H.el("td", null, button));
  }

  function loadZero() {
    H.api("/api/zero-results?top=30&recent=0").then(function (data) {
      document.getElementById("zero-rows").replaceChildren.apply(document.getElementById("zero-rows"),
        data.top.map(zeroRow));
      document.getElementById("zero-section").hidden = false;
    }, function () { /* not a manager: the section stays hidden */ });
  }

  if (!H.getToken()) { H.goToLogin(); return; }
  H.api("/api/auth/me", { auth: true }).then(function (me) {
    user = me;
    document.getElementById("gaps-who").textContent = (me.display_name || me.username) + " · " + me.role_label +
      (me.role === "manager" ? " · 可查看全部反馈" : me.department ? " · " + me.department : " · 本人提交的反馈");
    load();
    if (me.role === "manager") loadZero();
  }, function (error) { if (error.status !== 401) say(error.message); });
  stateSelect.addEventListener("change", load);
})();
