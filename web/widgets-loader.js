// Loads the course widget runtime (widgets.js, next to this file) only when a saved widget is
// about to scroll into view: a reader who never reaches the explorer never downloads or runs it,
// and it never competes with the first screen. myst-nb adds this file, deferred, only to pages
// that saved widget state (_config.yml nb_ipywidgets_js).
(function () {
  var runtime = new URL('widgets.js', document.currentScript.src).href;
  var requested = false;

  function load() {
    if (requested) return;
    requested = true;
    var script = document.createElement('script');
    script.src = runtime;
    document.head.appendChild(script);
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
