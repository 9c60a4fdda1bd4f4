(function () {
  "use strict";
  // Polls ui/poll for the journal rows after the last one shown and the mock's state; the server renders
  // both (escaped by its templates), so this script only places HTML it was given and counts rows.
  var root = document.getElementById("live"), base = root.getAttribute("data-base"),
    rows = document.getElementById("rows"), panels = document.getElementById("panels"),
    status = document.getElementById("status"), said = document.getElementById("said"),
    clock = document.getElementById("clock"), summary = document.getElementById("summary"),
    empty = document.getElementById("empty"), form = document.getElementById("actions"),
    last = null, shownPanels = 0, timer = null, failures = 0;

  function call(method, path, body) {
    var init = { method: method, credentials: "same-origin", cache: "no-store", headers: { "X-Live-View": "1" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || "HTTP " + response.status); }
        return data;
      });
    });
  }

  function count(selector, text) {
    var found = rows.querySelectorAll(selector), n = 0;
    for (var i = 0; i < found.length; i++) { if (text === undefined || found[i].textContent === text) { n++; } }
    return n;
  }
  function plural(n, word, many) { return n + " " + (n === 1 ? word : many || word + "s"); }

  function summarise() {
    summary.textContent = plural(count("tr.req"), "request") + ", " +
      plural(count("tr.se"), "side effect") + " · " + count("tr.s429.req") + " × 429 · " +
      plural(count("tr.retry"), "retry", "retries") + " · " + plural(count("tr.fault"), "injected fault") +
      " · " + plural(count("tr.wh td.se-kind", "webhook.attempt"), "webhook attempt");
    empty.hidden = rows.children.length > 0;
  }

  function show(data) {
    var follow = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    if (data.restart) { rows.textContent = ""; }
    if (data.rows) { rows.insertAdjacentHTML("beforeend", data.rows); }
    last = data.last;
    if (data.panels !== null) { panels.innerHTML = data.panels; shownPanels = data.panels_version; }
    clock.textContent = data.clock.mode + ", " + data.clock.iso;
    summarise();
    if (follow && data.rows && last !== null) { window.scrollTo(0, document.body.scrollHeight); }
  }

  function poll() {
    clearTimeout(timer);
    var query = "?panels=" + shownPanels + (last === null ? "" : "&after=" + last);
    return call("GET", "/poll" + query).then(function (data) {
      show(data);
      failures = 0;
      status.textContent = "live";
      status.className = "";
    }, function (error) {
      failures++;
      status.textContent = "not updating: " + error.message;
      status.className = "bad";
    }).then(function () {
      timer = setTimeout(poll, Math.min(1000 * Math.pow(2, failures), 10000));
    });
  }

  var actions = {
    "arm": function () { return call("POST", "/arm", { "case": document.getElementById("case").value }); },
    "clear-faults": function () { return call("POST", "/clear-faults", {}); },
    "clock": function () { return call("POST", "/clock", { "advance": Number(document.getElementById("advance").value) }); },
    "reset": function () { return call("POST", "/reset", {}); }
  };

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    button.disabled = true;
    said.className = "said";
    said.textContent = button.textContent + "…";
    actions[button.getAttribute("data-action")]().then(function (data) {
      said.textContent = data.message;
    }, function (error) {
      said.textContent = error.message;
      said.className = "said bad";
    }).then(function () {
      button.disabled = false;
      poll();
    });
  });

  poll();
  // The controls work only with this script: they are shown once it has run.
  form.hidden = false;
})();
