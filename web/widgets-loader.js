// Loads the course widget runtime (widgets.js, next to this file) only when a saved widget is
// about to scroll into view: a reader who never reaches the explorer never downloads or runs it,
// and it never competes with the first screen. myst-nb adds this file, deferred, only to pages
// that saved widget state (_config.yml nb_ipywidgets_js).
(function () {
  var runtime = new URL('widgets.js', document.currentScript.src).href;
  var requested = false;

  // The page's saved widget state sits in a script file beside it (named by the state tag's
  // data-src, _ext/site_fixes.py), loaded before the runtime: async=false keeps the order.
  function add(src) {
    var script = document.createElement('script');
    script.src = src;
    script.async = false;
    document.head.appendChild(script);
  }

  function load() {
    if (requested) return;
    requested = true;
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"][data-src]')
      .forEach(function (tag) { add(new URL(tag.getAttribute('data-src'), document.baseURI).href); });
    add(runtime);
  }

  function start() {
    var views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]');
    if (views.length === 0) return;
    if (!('IntersectionObserver' in window)) return load();
    var watcher = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        watcher.disconnect();
        load();
      }
    }, { rootMargin: '800px 0px' });
    views.forEach(function (view) { watcher.observe(view.parentElement); });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
