(function () {
  var filter = document.getElementById("filter"), only = document.getElementById("failonly"),
    count = document.getElementById("filtercount"),
    rows = document.querySelectorAll("tr.check,tr.more,tr.ev"), text = [];
  for (var i = 0; i < rows.length; i++) { text.push(rows[i].textContent.toLowerCase()); }
  function apply() {
    var q = filter.value.trim().toLowerCase(), failures = only.checked, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i], hide = (q && text[i].indexOf(q) < 0) || (failures &&
        (r.getAttribute("data-ok") === "1" || (r.classList.contains("ev") && !r.classList.contains("hl"))));
      r.classList.toggle("hidden", !!hide);
      if (!hide) { shown++; }
    }
    var vendors = document.querySelectorAll("section.vendor");
    for (var j = 0; j < vendors.length; j++) {
      vendors[j].classList.toggle("hidden", failures && !vendors[j].classList.contains("has-fail"));
    }
    count.textContent = (q || failures) ? shown + " of " + rows.length + " rows shown" : "";
  }
  // A #fragment may point into collapsed details or at a row the filter hid: open and show it.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1)), node = id && document.getElementById(id);
    if (!node) { return; }
    for (var n = node; n; n = n.parentElement) {
      if (n.tagName === "DETAILS") { n.open = true; }
      if (n.classList) { n.classList.remove("hidden"); }
    }
    node.scrollIntoView();
  }
  filter.addEventListener("input", apply);
  only.addEventListener("change", apply);
  window.addEventListener("hashchange", reveal);
  apply();
  reveal();
  // The controls work only with this script: they are shown once it has run.
  document.querySelector(".tools").hidden = false;
})();
