(function () {
  "use strict";
  // Filters of the check report. Transcript text is never read or written here:
  // cards and marks are matched on their data-* attributes only.
  var body = document.body;
  var form = document.getElementById("filters");
  body.setAttribute("data-script", "ran");
  if (!form) {
    return;
  }
  var pick = function (id) { return document.getElementById(id); };
  var principle = pick("f-principle");
  var outcome = pick("f-outcome");
  var judge = pick("f-judge");
  var problems = pick("f-problems");
  var count = pick("f-count");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".pair"));
  var sections = Array.prototype.slice.call(document.querySelectorAll(".transcript"));
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark.evidence"));

  function apply() {
    var p = principle.value, o = outcome.value, j = judge.value, only = problems.checked;
    var shown = 0;
    cards.forEach(function (card) {
      var d = card.dataset;
      var show = (!p || d.principle === p) && (!o || d.outcome === o) &&
        (!j || d.judge === j) && (!only || d.problem === "1");
      card.hidden = !show;
      if (show) { shown += 1; }
    });
    var visible = 0;
    sections.forEach(function (section) {
      var any = section.querySelector(".pair:not([hidden])") !== null;
      section.hidden = !any;
      if (any) { visible += 1; }
    });
    marks.forEach(function (mark) {
      var ids = (mark.dataset.principle || "").split(" ");
      mark.classList.toggle("dim", !!p && ids.indexOf(p) < 0);
    });
    count.textContent = shown + " of " + cards.length + " judgments in " + visible + " of " +
      sections.length + " transcripts";
  }

  function fromHash() {
    // #f:principle=ID&outcome=violates&judge=J&problems=1 preselects the filters
    // (in `constitution view`, so do the filters the server applied).
    var hash = window.location.hash;
    var text = hash.indexOf("#f:") === 0 ? hash.slice(3) : server;
    if (!text) { return; }
    var params = new URLSearchParams(text);
    [[principle, "principle"], [outcome, "outcome"], [judge, "judge"]].forEach(function (pair) {
      var value = params.get(pair[1]);
      var known = Array.prototype.some.call(pair[0].options, function (opt) { return opt.value === value; });
      if (value !== null && known) { pair[0].value = value; }
    });
    problems.checked = params.get("problems") === "1";
  }

  var server = body.getAttribute("data-server-filters");
  function toServer() {
    // `constitution view` pages a run: a filter change asks the server for the
    // transcripts that match across the whole run (the judge filter stays here).
    if (server === null) { return false; }
    var query = new URLSearchParams();
    if (principle.value) { query.set("principle", principle.value); }
    if (outcome.value) { query.set("outcome", outcome.value); }
    if (problems.checked) { query.set("problems", "1"); }
    var text = query.toString();
    if (text === server) { return false; }
    window.location.assign("?" + text + (text ? "#f:" + text : ""));
    return true;
  }
  function changed() { if (!toServer()) { apply(); } }

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  [principle, outcome, judge, problems].forEach(function (el) { el.addEventListener("change", changed); });
  marks.forEach(function (mark) {
    mark.addEventListener("click", function () {
      var first = (mark.dataset.cards || "").split(" ")[0];
      var card = first ? document.getElementById(first) : null;
      if (!card) { return; }
      card.scrollIntoView({ block: "nearest" });
      card.classList.add("flash");
      window.setTimeout(function () { card.classList.remove("flash"); }, 1200);
    });
  });
  window.addEventListener("hashchange", function () { fromHash(); changed(); });
  fromHash();
  apply();
  body.setAttribute("data-filters", "ready");
}());
