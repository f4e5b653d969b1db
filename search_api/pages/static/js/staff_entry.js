/* 热线百科 — the entry editor (/staff/entries/new and /staff/entries/{id}).
 *
 * The form's field names are the entry API's field names, and Q&A inputs are named qas[N].question
 * like the API's 要素齐全 problems, so every 422 detail lands next to its field. Saving before
 * submitting means a refused submission never loses the text: the draft is stored, the problems
 * are listed, the specialist fixes them and submits again.
 * When the session expires, api.js saves every named field for this URL; on return the page first
 * loads the entry and then restores the typed text over it (adding Q&A rows the draft needs).
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var S = window.Staff;
  var el = H.el;
  var root = document.getElementById("entry-editor");
  if (!root) return;

  var form = document.getElementById("entry-form");
  var rowsBox = document.getElementById("qa-rows");
  var rowTemplate = document.getElementById("qa-row-template");
  var labels = JSON.parse(document.getElementById("staff-labels").textContent);
  var current = { id: root.getAttribute("data-entry-id") || null, entry: null, user: null, qaMap: [] };
  var DONE = {
    "submit": "已提交审核，等待部门审核。", "dept-approve": "部门审核已通过，等待热线信息管理员复核发布。",
    "return": "已退回。", "publish": "已发布，公众检索即可查到。", "new-version": "已新建修订版本（草稿）。",
    "request-takedown": "已提交下架申请。", "approve-takedown": "已批准下架。", "reject-takedown": "已驳回下架申请。"
  };

  /* ---- Q&A rows ---- */

  function qaRows() { return Array.prototype.slice.call(rowsBox.querySelectorAll(".qa-row")); }

  function renumber() {
    qaRows().forEach(function (row, i) {
      var prefix = "qas[" + (i + 1) + "].";
      row.querySelector(".qa-number").textContent = "第 " + (i + 1) + " 组问答";
      Array.prototype.forEach.call(row.querySelectorAll("[data-qa]"), function (box) {
        var key = box.getAttribute("data-qa");
        var input = box.querySelector("[data-qa-input]");
        box.setAttribute("data-field", prefix + key);
        input.name = prefix + key;
        input.id = "f-" + prefix + key;
        box.querySelector("label").htmlFor = input.id;
      });
    });
  }

  function addQaRow(qa) {
    var row = rowTemplate.content.firstElementChild.cloneNode(true);
    rowsBox.appendChild(row);
    if (qa) {
      row.querySelector("[data-qa-input=question]").value = qa.question || "";
      row.querySelector("[data-qa-input=answer]").value = qa.answer || "";
      row.querySelector("[data-qa-input=similar_questions]").value = (qa.similar_questions || []).join("\n");
    }
    row.querySelector(".qa-remove").addEventListener("click", function () { row.remove(); renumber(); });
    renumber();
    return row;
  }

  /* ---- form <-> API body ---- */

  function splitList(text, pattern) {
    return String(text || "").split(pattern).map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function readForm() {
    var f = form.elements;
    var qas = [];
    current.qaMap = [];
    qaRows().forEach(function (row, i) {
      var qa = {
        question: row.querySelector("[data-qa-input=question]").value.trim(),
        answer: row.querySelector("[data-qa-input=answer]").value.trim(),
        similar_questions: splitList(row.querySelector("[data-qa-input=similar_questions]").value, /\n/)
      };
      if (!qa.question && !qa.answer && !qa.similar_questions.length) return;  // an untouched row
      qas.push(qa);
      current.qaMap.push(i + 1);
    });
    return {
      title: f.title.value.trim(),
      department: f.department.value.trim(),
      region: f.region.value.trim(),
      category: splitList(f.category.value, /[\/／>]/),
      theme: f.theme.value || null,
      effective_from: f.effective_from.value || null,
      effective_to: f.effective_to.value || null,
      contact_phone: f.contact_phone.value.trim(),
      keywords: splitList(f.keywords.value, /[,，、;；\s]+/),
      issuing_body: f.issuing_body.value.trim(),
      doc_number: f.doc_number.value.trim(),
      original_text: f.original_text.value,
      interpretation: f.interpretation.value,
      qas: qas
    };
  }

  function fillForm(v) {
    var f = form.elements;
    f.title.value = v.title || "";
    f.department.value = v.department || "";
    f.region.value = (v.region_path || []).join("/");
    f.category.value = (v.category || []).join("/");
    f.theme.value = v.theme || "";
    f.effective_from.value = v.effective_from || "";
    f.effective_to.value = v.effective_to || "";
    f.contact_phone.value = v.contact_phone || "";
    f.keywords.value = (v.keywords || []).join("、");
    f.issuing_body.value = v.issuing_body || "";
    f.doc_number.value = v.doc_number || "";
    f.original_text.value = v.original_text || "";
    f.interpretation.value = v.interpretation || "";
    rowsBox.textContent = "";
    current.qaMap = [];  // rows on screen are now exactly the rows stored
    (v.qas || []).forEach(addQaRow);
    if (!(v.qas || []).length) addQaRow();
  }

  /* ---- errors next to fields ---- */

  /* API field names -> the form's: "qas[2].answer" (1-based, of the rows sent) and pydantic's
     "qas.1.answer" (0-based) both become the on-screen row; "category.0" becomes "category". */
  function formField(name) {
    var m = /^qas(?:\[(\d+)\]|\.(\d+))\.?(question|answer|similar_questions)?/.exec(name || "");
    if (m) {
      var sent = m[1] ? Number(m[1]) : Number(m[2]) + 1;
      var row = current.qaMap[sent - 1] || sent;
      return "qas[" + row + "]." + (m[3] || "question");
    }
    return String(name || "").split(".")[0];
  }

  function clearErrors() {
    H.clearFieldErrors(root);
    Array.prototype.forEach.call(root.querySelectorAll(".form-error-slot"), function (s) { s.textContent = ""; });
  }

  function showErrors(error, slot) {
    var details = Array.isArray(error.details) ? error.details : [];
    var unplaced = [];
    var first = null;
    details.forEach(function (d) {
      var box = root.querySelector("[data-field='" + formField(d.field).replace(/'/g, "") + "']");
      if (!box) { if (d.message) unplaced.push(d.message); return; }
      box.classList.add("invalid");
      box.appendChild(el("div", { className: "field-error", role: "alert" }, d.message || error.message));
      first = first || box;
    });
    var summary = el("div", { className: "form-error", role: "alert" }, error.message || "操作失败，请稍后重试");
    if (details.length > 1) summary.appendChild(document.createTextNode("（共 " + details.length + " 处，已在对应栏目标出）"));
    if (unplaced.length) summary.appendChild(el("ul", null, unplaced.map(function (m) { return el("li", null, m); })));
    slot.appendChild(summary);
    var focus = first && first.querySelector("input, textarea, select");
    if (focus && !focus.disabled) focus.focus();
    else slot.scrollIntoView({ block: "center" });
  }

  function notice(text) {
    var box = document.getElementById("editor-notice");
    box.textContent = text;
    box.hidden = !text;
  }

  /* ---- what the signed-in role may do ---- */

  function ownEntry(user, entry) { return !!user.department && user.department === entry.department; }

  function editable(user, entry) {
    if (!entry) return S.EDITOR_ROLES.indexOf(user.role) >= 0;
    var editor = user.role === "manager" || (user.role === "specialist" && ownEntry(user, entry));
    var w = entry.working;
    return editor && !!w && (w.state === "draft" || w.state === "returned");
  }

  function allowedActions(user, entry) {
    if (!entry) return [];
    var ws = entry.working ? entry.working.state : null;
    var st = entry.status;
    var own = ownEntry(user, entry);
    var manager = user.role === "manager";
    var out = [];
    if (user.role === "dept_reviewer" && own && ws === "submitted") out.push("dept-approve", "return");
    if (manager && (ws === "submitted" || ws === "dept_approved")) out.push("return");
    if (manager && ws === "dept_approved") out.push("publish");
    if ((manager || (user.role === "specialist" && own)) && !ws &&
        ["published", "expired", "taken_down"].indexOf(st) >= 0) out.push("new-version");
    if (user.role === "specialist" && own && st === "published") out.push("request-takedown");
    if (manager && st === "takedown_requested") out.push("approve-takedown", "reject-takedown");
    return out;
  }

  function render() {
    var user = current.user;
    var entry = current.entry;
    var canEdit = editable(user, entry);
    Array.prototype.forEach.call(form.querySelectorAll("fieldset"), function (fs) { fs.disabled = !canEdit; });
    document.getElementById("edit-buttons").hidden = !canEdit;
    form.elements.department.readOnly = !!entry || user.role !== "manager";
    var badge = document.getElementById("entry-state");
    var reasonBox = document.getElementById("return-reason");
    reasonBox.hidden = true;
    if (entry) {
      var w = entry.working;
      document.getElementById("editor-title").textContent = (w || entry.live || {}).title || ("条目 " + entry.id);
      badge.textContent = w ? w.state_label + (entry.live ? "（线上：" + entry.status_label + "）" : "")
        : entry.status_label;
      badge.hidden = false;
      if (w && w.state === "returned" && w.return_reason) {
        reasonBox.textContent = "退回理由：" + w.return_reason;
        reasonBox.hidden = false;
      }
    } else if (!canEdit) {
      notice("当前角色不能新建条目。");
    }
    var allowed = allowedActions(user, entry);
    Array.prototype.forEach.call(document.querySelectorAll("[data-action]"), function (b) {
      b.hidden = allowed.indexOf(b.getAttribute("data-action")) < 0;
    });
    document.getElementById("actions-panel").hidden = !allowed.length;
    document.getElementById("history-panel").hidden = !entry;
  }

  function adopt(entry) {
    current.entry = entry;
    current.id = entry.id;
    if (window.location.pathname !== "/staff/entries/" + entry.id) {
      window.history.replaceState(null, "", "/staff/entries/" + encodeURIComponent(entry.id));
    }
    fillForm(entry.working || entry.live || {});
    render();
    loadAudit();
    return entry;
  }

  /* ---- audit history ---- */

  function fieldLabel(name) {
    var label = root.querySelector("label[for='f-" + name + "']");
    return label ? label.textContent.replace(/\s*\*$/, "").trim() : name;
  }

  function loadAudit() {
    if (!current.id) return;
    H.api("/api/staff/entries/" + encodeURIComponent(current.id) + "/audit").then(function (page) {
      S.fillAudit(document.querySelector("#audit-table tbody"), page.data, labels, fieldLabel);
    }, S.showPageError);
  }

  /* ---- saving and actions ---- */

  function save() {
    var body = readForm();
    if (!current.entry) return H.api("/api/staff/entries", { body: body }).then(adopt);
    body.lock_version = current.entry.lock_version;
    return H.api("/api/staff/entries/" + encodeURIComponent(current.id), { method: "PUT", body: body }).then(adopt);
  }

  function runAction(action, slot) {
    var reason = document.getElementById("f-reason");
    var body = { lock_version: current.entry.lock_version, reason: reason.value.trim() || null };
    return H.api("/api/staff/entries/" + encodeURIComponent(current.id) + "/" + action, { body: body })
      .then(function (entry) {
        reason.value = "";
        adopt(entry);
        notice(DONE[action] || "操作成功。");
      });
  }

  function busy(flag) {
    Array.prototype.forEach.call(root.querySelectorAll("button"), function (b) { b.classList.toggle("busy", flag); });
  }

  function guarded(work, slot) {
    clearErrors();
    notice("");
    busy(true);
    work().catch(function (error) {
      if (error.status === 401) return;  // api.js is already taking the user to the login page
      showErrors(error, slot);
    }).then(function () { busy(false); });
  }

  document.getElementById("add-qa").addEventListener("click", function () {
    addQaRow().querySelector("input").focus();
  });
  document.getElementById("save-button").addEventListener("click", function () {
    guarded(function () { return save().then(function () { notice("草稿已保存。"); }); },
      document.getElementById("form-errors"));
  });
  document.getElementById("submit-button").addEventListener("click", function () {
    var slot = document.getElementById("form-errors");
    guarded(function () { return save().then(function () { return runAction("submit", slot); }); }, slot);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-action]"), function (button) {
    button.addEventListener("click", function () {
      guarded(function () { return runAction(button.getAttribute("data-action")); },
        document.getElementById("action-errors"));
    });
  });

  /* ---- start ---- */

  function draftRowsNeeded() {
    var raw = null;
    try { raw = window.localStorage.getItem("hotline.draft:" + window.location.pathname + window.location.search); }
    catch (e) { raw = null; }
    var most = 0;
    Object.keys(JSON.parse(raw || "{}") || {}).forEach(function (key) {
      var m = /^qas\[(\d+)\]\./.exec(key);
      if (m) most = Math.max(most, Number(m[1]));
    });
    return most;
  }

  function restore() {
    var need = draftRowsNeeded();
    while (qaRows().length < need) addQaRow();
    if (H.restoreDrafts()) notice("已恢复您重新登录前填写的内容，请检查后保存。");
  }

  S.start(function (user) {
    current.user = user;
    if (!current.id) {
      fillForm({ department: user.department || "" });
      render();
      restore();
      return;
    }
    H.api("/api/staff/entries/" + encodeURIComponent(current.id)).then(function (entry) {
      adopt(entry);
      restore();
    }, function (error) {
      if (error.status === 401) return;
      render();
      form.hidden = true;
      notice(error.status === 404 ? "条目不存在。" : (error.message || "加载失败，请刷新重试"));
    });
  });
})();
