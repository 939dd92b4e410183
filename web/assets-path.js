// Tell RequireJS that the widget runtime modules live next to this script.
// embed-amd.js derives its public path (where it loads its icon fonts from) from the
// module URL RequireJS reports; without this it would look next to the page instead.
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  var bundle = here + "embed-amd";
  var modules = [
    "@jupyter-widgets/base",
    "@jupyter-widgets/base7",
    "@jupyter-widgets/controls",
    "@jupyter-widgets/controls7",
    "@jupyter-widgets/html-manager",
    "@jupyter-widgets/html-manager/dist/libembed-amd",
  ];
  var paths = {};
  modules.forEach(function (name) { paths[name] = bundle; });
  window.require.config({ paths: paths });
})();
