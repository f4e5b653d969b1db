/* 热线百科 — citizen pages. Everything here is an enhancement: the pages work without it.
 *   - search box: suggestions while typing (GET /api/suggest; pinyin initials work too);
 *   - filters: folded on phones, open on wide screens; changing one re-runs the search;
 *   - entry page: 原文/解读/问答 become tabs (all three sections are in the HTML);
 *   - "这条信息对您有帮助吗？": sent through the JSON API without leaving the page.
 */
(function () {
  "use strict";
  var H = window.Hotline;

  function enhanceFilters() {
    var form = document.getElementById("search-form");
    if (!form) return;
    var box = document.getElementById("filter-box");
    // Folded on a phone (the results come first); a wide screen has room to show them.
    if (box && window.matchMedia("(min-width: 640px)").matches) box.open = true;
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () {
        if (form.elements.q.value.trim()) form.submit();
      });
    });
  }

  function enhanceSuggestions() {
    var form = document.getElementById("search-form");
    var list = document.getElementById("suggestions");
    if (!form || !list) return;
    var box = form.elements.q;
    var sequence = 0;

    function hide() { list.classList.add("hidden"); }
    function show(items) {
      list.textContent = "";
      items.forEach(function (text) {
        list.appendChild(H.el("li", null, H.el("a", { href: "/search?q=" + encodeURIComponent(text) }, text)));
      });
      list.classList.toggle("hidden", items.length === 0);
    }
    var lookUp = H.debounce(function () {
      var q = box.value.trim();
      var mine = ++sequence;
      if (!q) { hide(); return; }
      H.api("/api/suggest?size=6&q=" + encodeURIComponent(q)).then(function (data) {
        if (mine === sequence && document.activeElement === box) show((data && data.suggestions) || []);
      }, hide);
    }, 200);

    box.addEventListener("input", lookUp);
    box.addEventListener("keydown", function (e) {
      if (e.key === "Escape") hide();
      if (e.key === "ArrowDown" && !list.classList.contains("hidden")) {
        e.preventDefault();
        list.querySelector("a").focus();
      }
    });
    list.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < links.length - 1) { e.preventDefault(); links[i + 1].focus(); }
      if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? links[i - 1] : box).focus(); }
      if (e.key === "Escape") { hide(); box.focus(); }
    });
    form.addEventListener("focusout", function () {
      window.setTimeout(function () { if (!form.contains(document.activeElement)) hide(); }, 150);
    });
    form.addEventListener("submit", function () { sequence++; hide(); });
  }

  function enhanceTabs() {
    var box = document.getElementById("entry-tabs");
    if (!box) return;
    var list = box.querySelector("[role=tablist]");
    var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
    list.hidden = false;
    box.classList.add("tabs-enhanced");

    function select(tab, focus) {
      tabs.forEach(function (t) {
        var on = t === tab;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
      });
      if (focus) tab.focus();
    }

    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () {
        select(tab, false);
        window.history.replaceState(null, "", "#" + tab.id.replace("tab-", ""));
      });
      tab.addEventListener("keydown", function (e) {
        var next = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : null;
        if (next === null) return;
        e.preventDefault();
        select(tabs[(next + tabs.length) % tabs.length], true);
      });
    });
    var wanted = document.getElementById("tab-" + window.location.hash.slice(1));
    select(tabs.indexOf(wanted) >= 0 ? wanted : tabs[0], false);
  }

  function enhanceFeedback() {
    var form = document.getElementById("helpful-form");
    if (!form) return;
    var entryId = document.querySelector("[data-entry-id]").getAttribute("data-entry-id");
    var thanks = document.getElementById("helpful-thanks");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = e.submitter || form.querySelector("button[name=helpful]");
      var comment = form.elements.comment.value.trim();
      var buttons = form.querySelectorAll("button");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      H.clearFieldErrors(form);
      H.api("/api/entries/" + encodeURIComponent(entryId) + "/feedback", {
        method: "POST",
        body: { helpful: button.value === "yes", comment: comment || null }
      }).then(function () {
        form.classList.add("hidden");
        thanks.classList.remove("hidden");
      }, function (err) {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        H.showFieldErrors(form, err, "提交失败，请稍后重试");
      });
    });
  }

  enhanceSuggestions();
  enhanceFilters();
  enhanceTabs();
  enhanceFeedback();
})();
