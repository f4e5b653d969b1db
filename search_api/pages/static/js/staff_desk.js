/* 热线百科 — the desk queue (/staff/desk): due times and overdue marks, routing (managers),
 * answering with the four elements (specialists), review and publication (managers).
 *
 * Overdue is judged against the server's clock rendered into the page (data-now), the same clock
 * the API uses for its overdue list, so the page and the API never disagree.
 */
(function () {
  "use strict";
  var H = window.Hotline;
  var S = window.Staff;
  var el = H.el;
  var root = document.getElementById("desk-queue");
  if (!root) return;

  var labels = JSON.parse(document.getElementById("desk-labels").textContent);
  var now = new Date(root.getAttribute("data-now"));
  var OWED = ["routed", "returned"];
  var panel = document.getElementById("question-panel");
  var forms = {
    route: document.getElementById("route-form"),
    answer: document.getElementById("answer-form"),
    review: document.getElementById("review-form")
  };
  var state = { user: null, queue: "received", number: null, loads: 0 };

  function notice(text) {
    var box = document.getElementById("desk-notice");
    box.textContent = text;
    box.hidden = !text;
  }

  function isOverdue(q) {
    if (typeof q.overdue === "boolean") return q.overdue;
    return !!q.due_at && OWED.indexOf(q.state) >= 0 && new Date(q.due_at) < now;
  }

  function dueCell(q) {
    if (!q.due_at) return el("td", { className: "muted" }, "—");
    return el("td", null, S.formatTime(q.due_at), isOverdue(q) ? el("span", { className: "overdue-mark" }, " 已逾期") : null);
  }

  function showList(items, empty) {
    var body = document.querySelector("#queue-table tbody");
    body.textContent = "";
    var late = 0;
    items.forEach(function (q) {
      var overdue = isOverdue(q);
      if (overdue) late += 1;
      var link = el("a", { href: "?question=" + encodeURIComponent(q.number), className: "question-link", "data-number": q.number }, q.number);
      link.addEventListener("click", function (e) { e.preventDefault(); openQuestion(q.number); });
      body.appendChild(el("tr", { className: overdue ? "overdue" : "" },
        el("td", null, link),
        el("td", null, q.text),
        el("td", null, labels.states[q.state] || q.state),
        el("td", null, q.department || "未分派"),
        dueCell(q)));
    });
    document.getElementById("queue-summary").textContent = items.length
      ? "共 " + items.length + " 个问题" + (late ? "，其中 " + late + " 个已逾期" : "") : empty;
  }

  function queuePath() {
    var dept = document.getElementById("desk-department").value;
    if (dept) return "/api/desk/queue?department_id=" + encodeURIComponent(dept);
    if (state.queue === "overdue") return "/api/desk/overdue";
    if (state.queue === "due-today") return "/api/desk/due-today";
    return "/api/desk/questions?state=" + encodeURIComponent(state.queue);
  }

  function loadQueue() {
    var path = S.isManager(state.user) ? queuePath() : "/api/desk/queue";
    var ticket = ++state.loads;  // only the latest request may fill the table
    return H.api(path).then(function (page) {
      if (ticket === state.loads) showList(page.questions, "队列中没有问题。");
    }, function (error) {
      if (error.status !== 401) S.showPageError(error);
    });
  }

  /* ---- one question ---- */

  function fact(term, value) {
    return [el("dt", null, term), el("dd", null, value || "—")];
  }

  function answerBlock(answer) {
    var list = el("dl", { className: "answer-elements" });
    labels.elements.forEach(function (pair) {  // [name, label] in the order of the four elements
      list.appendChild(el("dt", null, pair[1]));
      list.appendChild(el("dd", null, answer[pair[0]] || ""));
    });
    var status = { submitted: "待审核", returned: "已退回", published: "已发布", withdrawn: "已撤回" }[answer.state];
    return el("div", { className: "card answer-card" },
      el("p", { className: "small muted" }, "答复（" + (status || answer.state) + "，" + S.formatTime(answer.created_at) + "）"),
      list,
      answer.return_reason ? el("p", { className: "form-error" }, "退回理由：" + answer.return_reason) : null);
  }

  function showQuestion(q) {
    state.number = q.number;
    panel.hidden = false;
    var heading = document.getElementById("question-number");
    heading.textContent = q.number + " · " + (labels.states[q.state] || q.state);
    heading.setAttribute("data-state", q.state);
    document.getElementById("question-text").textContent = q.text;
    var facts = document.getElementById("question-facts");
    facts.textContent = "";
    [
      fact("地区", q.region),
      fact("提问时间", S.formatTime(q.created_at)),
      fact("建议部门", q.suggested_department),
      fact("承办部门", q.department),
      fact("答复期限", q.due_at ? S.formatTime(q.due_at) + (isOverdue(q) ? "（已逾期）" : "") : "")
    ].forEach(function (pair) { pair.forEach(function (n) { facts.appendChild(n); }); });
    var answers = document.getElementById("question-answers");
    answers.textContent = "";
    q.answers.forEach(function (a) { answers.appendChild(answerBlock(a)); });

    var manager = state.user.role === "manager";
    var specialist = state.user.role === "specialist";
    forms.route.hidden = !(manager && ["received", "routed", "returned"].indexOf(q.state) >= 0);
    forms.answer.hidden = !(specialist && OWED.indexOf(q.state) >= 0);
    forms.review.hidden = !(manager && q.state === "answered");
    if (!forms.route.hidden) {
      forms.route.department.value = q.department || q.suggested_department || "";
      forms.route.category.value = q.category || q.suggested_category || "";
    }
    Object.keys(forms).forEach(function (k) { clear(forms[k]); });
    if (H.restoreDrafts()) notice("已恢复您重新登录前填写的内容，请检查后提交。");
  }

  function openQuestion(number) {
    notice("");
    // In the query (not the hash): api.js returns to path + query after a re-login.
    var here = "?question=" + encodeURIComponent(number);
    if (window.location.search !== here) window.history.replaceState(null, "", here);
    return H.api("/api/desk/questions/" + encodeURIComponent(number)).then(showQuestion, function (error) {
      if (error.status !== 401) S.showPageError(error);
    });
  }

  function clear(form) {
    H.clearFieldErrors(form);
    form.querySelector(".form-error-slot").textContent = "";
  }

  function submitTo(form, path, body, done) {
    clear(form);
    return H.api(path, { body: body }).then(function (q) {
      form.reset();
      notice(done);
      showQuestion(q);
      loadQueue();
    }, function (error) {
      if (error.status === 401) return;
      H.showFieldErrors(form, error);
      if (Array.isArray(error.details) && error.details.length) {
        form.querySelector(".form-error-slot").appendChild(
          el("div", { className: "form-error", role: "alert" }, error.message));
      }
    });
  }

  function base(number) { return "/api/questions/" + encodeURIComponent(number); }

  forms.route.addEventListener("submit", function (e) {
    e.preventDefault();
    var f = forms.route;
    submitTo(f, base(state.number) + "/route", {
      department: f.department.value.trim() || null,
      category: f.category.value.trim() || null,
      reason: f.reason.value.trim() || null
    }, "已分派，答复期限已开始计算。");
  });

  forms.answer.addEventListener("submit", function (e) {
    e.preventDefault();
    var f = forms.answer;
    var body = {};
    labels.elements.forEach(function (pair) { body[pair[0]] = f[pair[0]].value; });
    submitTo(f, base(state.number) + "/answers", body, "答复已提交，等待热线信息管理员审核。");
  });

  forms.review.addEventListener("submit", function (e) {
    e.preventDefault();
    var decision = (e.submitter && e.submitter.value) || "publish";
    var f = forms.review;
    submitTo(f, base(state.number) + "/review", { decision: decision, reason: f.reason.value.trim() || null },
      decision === "publish" ? "答复已发布。" : "答复已退回部门。");
  });

  /* A manager who arrives with ?question= sees the list the question is in (e.g. 待审核). */
  function showTabOf() {
    var shown = document.getElementById("question-number").getAttribute("data-state") || "";
    var tab = document.querySelector("#desk-tabs [data-queue='" + shown + "']");
    if (tab && state.user.role === "manager" && tab.getAttribute("aria-pressed") !== "true") tab.click();
  }

  function setupManager() {
    document.getElementById("desk-title").textContent = "问答队列 · 全部部门";
    var tabs = document.getElementById("desk-tabs");
    tabs.hidden = false;
    document.getElementById("desk-department-filter").hidden = false;
    Array.prototype.forEach.call(tabs.querySelectorAll("button"), function (button) {
      button.addEventListener("click", function () {
        state.queue = button.getAttribute("data-queue");
        document.getElementById("desk-department").value = "";
        Array.prototype.forEach.call(tabs.querySelectorAll("button"), function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
        });
        loadQueue();
      });
    });
    document.getElementById("desk-department").addEventListener("change", loadQueue);
  }

  S.start(function (user) {
    state.user = user;
    if (user.role === "manager") setupManager();
    else if (user.role === "specialist") {
      document.getElementById("desk-title").textContent = "问答队列 · " + (user.department || "本部门");
    } else {
      document.getElementById("queue-summary").textContent = "问答队列由部门信息专员答复、热线信息管理员分派和审核；当前角色无需处理。";
      return;
    }
    loadQueue();
    var wanted = new URLSearchParams(window.location.search).get("question") || "";
    if (/^Q\d+$/.test(wanted)) openQuestion(wanted).then(showTabOf);
  });
})();
