/* 热线百科 — the agent console (/agent): instant, keyboard-first lookup during a call.
 *
 * Why this shape: the caller is talking, so every keystroke searches at once (30 ms debounce, the
 * previous request aborted, only the newest answer rendered), the hands never leave the keyboard
 * (keys listed on the page), and nothing reloads the page. The result list carries the query it
 * answers in data-query, which is also what scripts/console_latency watches.
 * All entry text goes in through textContent (Hotline.el / highlightNodes), never innerHTML.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var root = document.getElementById("console");
  if (!root) return;

  var DEBOUNCE_MS = 30;
  var PAGE_SIZE = 8;
  var box = document.getElementById("q");
  var region = document.getElementById("region");
  var hitsList = document.getElementById("hits");
  var statusLine = document.getElementById("status");
  var who = document.getElementById("who");
  var empty = document.getElementById("empty");
  var pane = document.getElementById("pane");
  var citeForm = document.getElementById("cite-form");
  var gapForm = document.getElementById("gap-form");

  var state = { user: null, hits: [], selected: -1, seq: 0, controller: null, query: "", open: null, composing: false };
  var entries = {}; // public id -> promise of the public entry view

  box.focus();

  function say(text) { statusLine.textContent = text; }

  function byId(id) { return document.getElementById(id); }

  /* ---- who is here ------------------------------------------------------------------------ */

  function ensureRegionOption(path) {
    if (!path) return;
    var exists = Array.prototype.some.call(region.options, function (o) { return o.value === path; });
    if (!exists) region.appendChild(H.el("option", { value: path }, path.split("/").pop()));
    region.value = path;
  }

  function start() {
    if (!H.getToken()) { H.goToLogin(); return; }
    if (H.restoreDrafts()) { // back from a re-login: reopen what was being written
      if (region.value) region.dataset.touched = "1";
      if (byId("gap-detail").value.trim()) { gapForm.hidden = false; byId("gap-detail").focus(); }
    }
    H.api("/api/auth/me", { auth: true }).then(function (user) {
      state.user = user;
      if (user.role !== "agent" && user.role !== "manager") {
        who.textContent = "当前账号（" + user.role_label + "）不是接听员，无法记录引用或反馈。";
      } else {
        who.textContent = (user.display_name || user.username) + " · " + user.role_label +
          (user.region ? " · 默认地区：" + user.region.split("/").pop() : "");
      }
      if (user.region && !region.dataset.touched) ensureRegionOption(user.region);
      if (box.value.trim()) search();
    }, function (error) {
      if (error.status !== 401) who.textContent = error.message;
    });
  }

  /* ---- instant search --------------------------------------------------------------------- */

  function clearResults(value) {
    state.hits = [];
    state.selected = -1;
    hitsList.replaceChildren();
    hitsList.dataset.query = value;
    box.setAttribute("aria-expanded", "false");
    empty.hidden = true;
  }

  function search() {
    // Pinyin being composed is not the query yet (this also covers searches started elsewhere,
    // e.g. when the account's region arrives mid-composition); compositionend searches the words.
    if (state.composing) return;
    var value = box.value;
    var q = value.trim();
    if (state.controller) state.controller.abort();
    state.controller = null;
    var mine = ++state.seq;
    if (!q) { clearResults(value); say(""); return; }
    var controller = new AbortController();
    state.controller = controller;
    var params = new URLSearchParams({ q: q, size: String(PAGE_SIZE) });
    if (region.value) params.set("region", region.value);
    H.api("/api/search?" + params.toString(), { signal: controller.signal }).then(function (data) {
      if (mine !== state.seq) return; // a newer keystroke owns the list
      state.controller = null;
      render(value, q, data);
    }, function (error) {
      if (error && error.name === "AbortError") return;
      if (mine !== state.seq) return;
      clearResults(value);
      say(error.message || "检索失败");
    });
  }

  function hitNode(hit, index) {
    var title = hit.highlight && hit.highlight.title ? H.highlightNodes(hit.highlight.title) : hit.title;
    var snippet = hit.highlight && hit.highlight.snippet ? H.highlightNodes(hit.highlight.snippet) : null;
    return H.el("li", {
      id: "hit-" + index, role: "option", className: "console-hit", "aria-selected": "false",
      "data-id": hit.id, onclick: function () { select(index); openHit(index); }
    },
      H.el("span", { className: "hit-title" }, title),
      H.el("span", { className: "hit-meta muted small" }, [hit.region, hit.department].filter(Boolean).join(" · ")),
      hit.matched_question ? H.el("span", { className: "hit-question small" }, "匹配问：", hit.matched_question) : null,
      snippet ? H.el("span", { className: "hit-snippet small" }, snippet) : null);
  }

  function render(value, q, data) {
    state.query = q;
    state.hits = data.hits || [];
    state.selected = -1;
    hitsList.replaceChildren.apply(hitsList, state.hits.map(hitNode));
    hitsList.dataset.query = value;
    box.setAttribute("aria-expanded", state.hits.length ? "true" : "false");
    box.removeAttribute("aria-activedescendant");
    empty.hidden = state.hits.length > 0;
    if (!state.hits.length) {
      byId("empty-query").textContent = q;
      say("无结果（已记入无结果清单）");
    } else {
      say("共 " + data.total + " 条，显示前 " + state.hits.length + " 条 · ↑↓ 选择，Enter 打开");
    }
  }

  function select(index) {
    if (!state.hits.length) return;
    var next = Math.max(0, Math.min(state.hits.length - 1, index));
    Array.prototype.forEach.call(hitsList.children, function (li, i) {
      li.setAttribute("aria-selected", i === next ? "true" : "false");
    });
    state.selected = next;
    box.setAttribute("aria-activedescendant", "hit-" + next);
    var chosen = hitsList.children[next];
    if (chosen && chosen.scrollIntoView) chosen.scrollIntoView({ block: "nearest" });
  }

  /* ---- the answer pane -------------------------------------------------------------------- */

  function entryView(id) {
    if (!entries[id]) {
      entries[id] = H.api("/api/entries/" + encodeURIComponent(id));
      entries[id].catch(function () { delete entries[id]; });
    }
    return entries[id];
  }

  function matchedQa(entry, hit) {
    var qas = entry.qas || [];
    var wanted = hit.matched_question;
    var found = wanted && qas.filter(function (qa) {
      return qa.question === wanted || (qa.similar_questions || []).indexOf(wanted) >= 0;
    })[0];
    if (found) return found;
    if (qas.length) return qas[0];
    return { question: entry.title, answer: entry.interpretation || entry.original_text || "" };
  }

  function fact(list, label, value) {
    if (!value) return;
    list.appendChild(H.el("dt", null, label));
    list.appendChild(H.el("dd", null, value));
  }

  function openHit(index) {
    var hit = state.hits[index >= 0 ? index : 0];
    if (!hit) return;
    if (state.selected < 0) select(0);
    var query = state.query;
    entryView(hit.id).then(function (entry) {
      var qa = matchedQa(entry, hit);
      state.open = { id: entry.id, title: entry.title, answer: qa.answer, query: query };
      byId("pane-title").textContent = entry.title;
      byId("pane-meta").textContent = [(entry.region_path || []).join(" / "), entry.department]
        .filter(Boolean).join(" · ");
      byId("pane-question").textContent = qa.question;
      byId("pane-answer").textContent = qa.answer;
      var facts = byId("pane-facts");
      facts.replaceChildren();
      fact(facts, "咨询电话", entry.contact_phone);
      fact(facts, "生效日期", entry.effective_from);
      fact(facts, "失效日期", entry.effective_to || "长期有效");
      fact(facts, "发文机关", entry.issuing_body);
      fact(facts, "文号", entry.doc_number);
      fact(facts, "主题", entry.theme);
      byId("pane-link").setAttribute("href", "/entries/" + encodeURIComponent(entry.id));
      pane.hidden = false;
      pane.dataset.entry = entry.id;
      citeForm.hidden = true;
      say("已打开「" + entry.title + "」· Ctrl+Enter 复制答案，Alt+Y 记录引用");
    }, function (error) { say(error.message); });
  }

  /* ---- copy, cite, report ----------------------------------------------------------------- */

  function copyFallback(text) {
    var area = H.el("textarea", { className: "visually-hidden", "aria-hidden": "true" });
    area.value = text;
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    box.focus();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copyAnswer() {
    if (!state.open) { say("请先用 Enter 打开一条答案"); return; }
    var text = state.open.answer;
    var done = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text).catch(function () { return copyFallback(text); })
      : copyFallback(text);
    done.then(function () { say("已复制答案，可直接宣读（" + text.length + " 字）"); },
      function () { say("浏览器不允许复制，请手动选择答案文字"); });
  }

  function openCite() {
    if (!state.open) { say("请先用 Enter 打开要引用的答案"); return; }
    H.clearFieldErrors(citeForm);
    citeForm.hidden = false;
    byId("call-ref").focus();
  }

  function submitCite(event) {
    event.preventDefault();
    if (!state.open) return;
    var callRef = byId("call-ref").value.trim();
    H.api("/api/citations", {
      body: { entry_id: state.open.id, call_ref: callRef || null, query: state.open.query || null }
    }).then(function (cited) {
      citeForm.hidden = true;
      byId("call-ref").value = "";
      say("已记录本次通话引用：「" + cited.title + "」" + (cited.call_ref ? "（通话 " + cited.call_ref + "）" : ""));
      box.focus();
    }, function (error) { H.showFieldErrors(citeForm, error, "记录引用失败"); });
  }

  function openGap(kind) {
    H.clearFieldErrors(gapForm);
    byId("gap-kind").value = kind || (state.open ? "wrong" : "missing");
    byId("gap-entry").value = state.open ? state.open.id : "";
    byId("gap-target").textContent = state.open
      ? "条目：「" + state.open.title + "」"
      : (box.value.trim() ? "检索词：「" + box.value.trim() + "」" : "");
    gapForm.hidden = false;
    byId("gap-detail").focus();
  }

  function sendGap(body) {
    return H.api("/api/gap-reports", { body: body }).then(function (report) {
      say("已提交" + report.kind_label + "反馈 #" + report.id +
        (report.department ? "，转" + report.department + "处理" : "，等待管理员分派"));
      return report;
    });
  }

  function submitGap(event) {
    if (event) event.preventDefault();
    var kind = byId("gap-kind").value;
    sendGap({
      kind: kind,
      entry_id: byId("gap-entry").value.trim() || null,
      query: box.value.trim() || null,
      detail: byId("gap-detail").value
    }).then(function () {
      gapForm.hidden = true;
      byId("gap-detail").value = "";
      box.focus();
    }, function (error) { H.showFieldErrors(gapForm, error, "提交反馈失败"); });
  }

  function reportEmpty() {
    var q = box.value.trim();
    if (!q) return;
    sendGap({ kind: "missing", query: q, detail: "坐席检索「" + q + "」无结果" })
      .then(function () { empty.hidden = true; box.focus(); }, function (error) { say(error.message); });
  }

  function closeForms() {
    citeForm.hidden = true;
    gapForm.hidden = true;
    box.focus();
    box.select();
  }

  /* ---- keys ------------------------------------------------------------------------------- */

  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  }

  document.addEventListener("keydown", function (e) {
    var inGap = gapForm.contains(e.target);
    if (e.key === "Escape") { e.preventDefault(); closeForms(); return; }
    if (e.altKey && !e.ctrlKey && e.code === "KeyY") { e.preventDefault(); openCite(); return; }
    if (e.altKey && !e.ctrlKey && e.code === "KeyB") { e.preventDefault(); openGap(); return; }
    if (e.altKey && !e.ctrlKey && e.code === "KeyR") { e.preventDefault(); region.focus(); return; }
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
      e.preventDefault();
      if (inGap) submitGap(); else copyAnswer();
      return;
    }
    if (e.key === "/" && !typing(e.target)) { e.preventDefault(); box.focus(); box.select(); return; }
    if (e.target !== box || e.isComposing) return; // the input method owns the keys while composing
    if (e.key === "ArrowDown") { e.preventDefault(); select(state.selected + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); select(state.selected - 1); }
    else if (e.key === "Enter") { e.preventDefault(); openHit(state.selected); }
  });

  var searchSoon = H.debounce(search, DEBOUNCE_MS);
  // Pinyin being composed is not the query yet: search when the input method commits the words.
  box.addEventListener("input", function (e) { if (!e.isComposing && !state.composing) searchSoon(); });
  box.addEventListener("compositionstart", function () { state.composing = true; });
  box.addEventListener("compositionend", function () { state.composing = false; searchSoon(); });
  region.addEventListener("change", function () { region.dataset.touched = "1"; search(); });
  region.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); box.focus(); }
  });
  citeForm.addEventListener("submit", submitCite);
  gapForm.addEventListener("submit", submitGap);
  byId("gap-cancel").addEventListener("click", closeForms);
  byId("copy").addEventListener("click", copyAnswer);
  byId("cite").addEventListener("click", openCite);
  byId("report").addEventListener("click", function () { openGap(); });
  byId("empty-report").addEventListener("click", reportEmpty);

  start();
})();
