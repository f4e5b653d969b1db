/* 热线百科 — question desk (晓苏问答). Enhancements only; the form also works as a plain POST.
 *   /ask: while the citizen types (debounced 250 ms) existing answers appear (POST /api/ask);
 *         submitting goes through POST /api/questions and shows the number and the matches here,
 *         each with "这个答案解决了我的问题" (POST /api/questions/{number}/resolved-by).
 *   /questions/{number}: the asker's own unpublished question text (kept token) is filled in.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var el = H.el;
  var TOKEN_PREFIX = "hotline.question:";
  var DEBOUNCE_MS = 250;

  /* Fill ``list`` with matches; ``resolve(docId, button)`` (optional) adds "this solved it" buttons. */
  function matchList(list, matches, deskNumber, resolve) {
    list.textContent = "";
    matches.forEach(function (m) {
      var id = m.doc_id || m.entry_id;
      var url = (deskNumber.test(id) ? "/questions/" : "/entries/") + encodeURIComponent(id);
      var answer = String(m.answer || "");
      var solved = resolve ? el("button", { type: "button", className: "secondary small resolve" },
        "这个答案解决了我的问题") : null;
      if (solved) solved.addEventListener("click", function () { resolve(id, solved); });
      list.appendChild(el("li", { className: "match", "data-doc-id": id },
        el("p", { className: "q" }, el("a", { href: url }, m.question),
          m.same_question ? [" ", el("span", { className: "badge ok" }, "同类问题")] : null),
        el("p", { className: "a" }, answer.length > 160 ? answer.slice(0, 160) + "…" : answer),
        solved));
    });
  }

  /* 问一查多: the asker closes their question with an existing answer (no department work). */
  function resolver(number, citizenToken) {
    return function (docId, button) {
      var box = document.getElementById("ask-result");
      var buttons = box.querySelectorAll("button.resolve");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      H.api("/api/questions/" + encodeURIComponent(number) + "/resolved-by", {
        method: "POST", body: { doc_id: docId, citizen_token: citizenToken }
      }).then(function () {
        Array.prototype.forEach.call(buttons, function (b) { b.remove(); });
        document.getElementById("ask-resolved").classList.remove("hidden");
      }, function (err) {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        button.parentNode.appendChild(el("div", { className: "field-error", role: "alert" }, err.message));
      });
    };
  }

  function enhanceAskForm() {
    var form = document.getElementById("ask-form");
    if (!form) return;
    var minChars = parseInt(form.getAttribute("data-min-chars"), 10) || 1;
    var deskNumber = new RegExp(form.getAttribute("data-desk-number"));
    var text = form.elements.text;
    var region = form.elements.region;
    var live = document.getElementById("live-matches");
    var liveList = document.getElementById("live-match-list");
    var sequence = 0;
    var inflight = null;

    function lookUp() {
      var question = text.value.trim();
      var mine = ++sequence;
      if (inflight) inflight.abort();
      if (question.length < minChars) { live.classList.add("hidden"); return; }
      inflight = window.AbortController ? new AbortController() : null;
      H.api("/api/ask", {
        method: "POST",
        body: { question: question, region: region.value || null, size: 5 },
        signal: inflight ? inflight.signal : undefined
      }).then(function (data) {
        if (mine !== sequence) return; // an older answer arriving late
        var matches = (data && data.matches) || [];
        matchList(liveList, matches, deskNumber);
        live.classList.toggle("hidden", matches.length === 0);
      }, function () {
        if (mine === sequence) live.classList.add("hidden");
      });
    }

    var debounced = H.debounce(lookUp, DEBOUNCE_MS);
    text.addEventListener("input", debounced);
    region.addEventListener("change", debounced);
    if (text.value.trim()) lookUp();

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = document.getElementById("ask-submit");
      button.disabled = true;
      H.clearFieldErrors(form);
      H.api("/api/questions", {
        method: "POST",
        body: {
          text: text.value,
          region: region.value || null,
          contact: form.elements.contact.value.trim() || null
        }
      }).then(function (done) {
        try { window.localStorage.setItem(TOKEN_PREFIX + done.number, done.citizen_token); } catch (err) { /* private mode */ }
        sequence++;
        form.classList.add("hidden");
        live.classList.add("hidden");
        document.getElementById("ask-number").textContent = done.number;
        document.getElementById("ask-number-link").setAttribute("href", "/questions/" + encodeURIComponent(done.number));
        var matches = done.matches || [];
        matchList(document.getElementById("ask-result-list"), matches, deskNumber,
          resolver(done.number, done.citizen_token));
        document.getElementById("ask-result-matches").classList.toggle("hidden", matches.length === 0);
        document.getElementById("ask-result").classList.remove("hidden");
      }, function (err) {
        button.disabled = false;
        H.showFieldErrors(form, err, "提交失败，请稍后重试");
      });
    });
  }

  function showOwnQuestion() {
    var box = document.querySelector(".question[data-number]");
    if (!box || document.getElementById("answer")) return;
    var number = box.getAttribute("data-number");
    var token = null;
    try { token = window.localStorage.getItem(TOKEN_PREFIX + number); } catch (e) { token = null; }
    if (!token) return;
    H.api("/api/questions/" + encodeURIComponent(number), { headers: { "X-Citizen-Token": token } })
      .then(function (view) {
        if (view && view.text) document.getElementById("question-text").textContent = view.text;
      }, function () { /* the page already says the question is being handled */ });
  }

  enhanceAskForm();
  showOwnQuestion();
})();
