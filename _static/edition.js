// The language switch: a link to this page in the other edition, landing on the same section.
(function () {
  function sections() {
    return Array.prototype.slice.call(document.querySelectorAll("main section > h2, article section > h2"));
  }
  function current() {
    var list = sections(), n = 0;
    for (var i = 0; i < list.length; i++) { if (list[i].getBoundingClientRect().top < 120) { n = i + 1; } }
    return n;
  }
  function addSwitch() {
    var meta = document.querySelector('meta[name="shockbook-twin"]');
    if (!meta || document.querySelector(".shockbook-language-switch")) { return; }  // once, even if loaded twice
    var link = document.createElement("a");
    link.className = "shockbook-language-switch";
    link.href = meta.getAttribute("content");
    link.textContent = meta.getAttribute("data-label");
    link.lang = meta.getAttribute("data-label") === "English" ? "en" : "zh-CN";
    link.addEventListener("click", function () {
      var n = current();
      link.href = meta.getAttribute("content") + (n ? "#section-" + n : "");
    });
    var bar = document.querySelector(".article-header-buttons") || document.querySelector(".header-article-items__end") || document.body;
    bar.insertBefore(link, bar.firstChild);
    var m = /^#section-(\d+)$/.exec(window.location.hash);
    if (m) {
      var target = sections()[parseInt(m[1], 10) - 1];
      if (target) { target.scrollIntoView(); }
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", addSwitch); } else { addSwitch(); }
})();
