// Typeset the maths of the built site at build time (node web/typeset-maths.js _build/html).
//
// Sphinx writes inline maths as <span class="math ...">\(...\)</span> and display maths as
// <div class="math ...">[<span class="eqno">...</span>]\[...\]</div>. Each becomes MathJax 3's
// CHTML output with the assistive MathML screen readers read (a11y/assistive-mml), using the
// pinned `mathjax` npm package and its liteDOM adaptor, so pages load no MathJax script.
// The CHTML stylesheet for every character any page uses goes to <site>/mathjax/chtml.css
// (fonts from mathjax/output/chtml/fonts/woff-v2, vendored by tools/vendor_web_assets.py),
// linked from the <head> of the pages with maths. Prints a JSON summary; exits non-zero on a
// TeX error, naming the page and the TeX.
'use strict';

const fs = require('fs');
const path = require('path');

const site = process.argv[2];
if (!site || !fs.existsSync(path.join(site, 'intro.html'))) {
  console.error(`typeset-maths: site folder ${JSON.stringify(site)}: no built site there`);
  process.exit(2);
}
const CSS = 'mathjax/chtml.css';

const unescape = (s) => s.replace(/&(lt|gt|quot|#39|#x27|amp);/g, (_, e) => ({
  lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", amp: '&',
})[e]);

const INLINE = /(<span class="math notranslate nohighlight">)\\\(([\s\S]*?)\\\)(<\/span>)/g;
const DISPLAY = /(<div class="math notranslate nohighlight"[^>]*>)([\s\S]*?)(<\/div>)/g;
const DISPLAY_TEX = /\\\[([\s\S]*)\\\]/;

// String.replace with an async replacer, one match at a time (document order).
async function replaceAsync(text, pattern, replacer) {
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    parts.push(text.slice(last, m.index), await replacer(...m));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

function pages(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...pages(full));
    else if (entry.name.endsWith('.html')) out.push(full);
  }
  return out.sort();
}

require(require.resolve('mathjax/es5/node-main.js', {paths: [path.resolve(__dirname, '..')]})).init({
  loader: {load: ['input/tex', 'output/chtml', 'adaptors/liteDOM', 'a11y/assistive-mml'], versionWarnings: false},
  // URLs in chtml.css are relative to the stylesheet itself.
  chtml: {fontURL: 'output/chtml/fonts/woff-v2', adaptiveCSS: true},
  startup: {typeset: false},
}).then(async (MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  const errors = [];
  const summary = {pages: 0, inline: 0, display: 0};
  // The promise form: TeX extensions (e.g. \boldsymbol's) autoload on first use.
  const convert = async (tex, display, page) => {
    const node = await MathJax.tex2chtmlPromise(unescape(tex), {display});
    const html = adaptor.outerHTML(node);
    if (html.includes('<mjx-merror')) errors.push(`${page}: ${tex.trim()}`);
    return html;
  };
  for (const page of pages(site)) {
    const rel = path.relative(site, page);
    const text = fs.readFileSync(page, 'utf8');
    let count = 0;
    let out = await replaceAsync(text, INLINE, async (_, open, tex, close) => {
      count++; summary.inline++;
      return open + await convert(tex, false, rel) + close;
    });
    out = await replaceAsync(out, DISPLAY, async (whole, open, inner, close) => {
      const m = DISPLAY_TEX.exec(inner);
      if (!m) return whole;
      count++; summary.display++;
      const html = await convert(m[1], true, rel);
      return open + inner.slice(0, m.index) + html + inner.slice(m.index + m[0].length) + close;
    });
    if (!count) continue;
    const href = path.relative(path.dirname(page), path.join(site, CSS)).split(path.sep).join('/');
    out = out.replace('</head>', `<link rel="stylesheet" href="${href}">\n</head>`);
    fs.writeFileSync(page, out);
    summary.pages++;
  }
  fs.mkdirSync(path.dirname(path.join(site, CSS)), {recursive: true});
  // In a browser MathJax scales each equation to the x-height of the text around it; liteDOM
  // cannot measure, so the scale MathJax measured for the theme's body text is set here.
  const scale = '\n/* The theme font\'s x-height, as MathJax 3.2.2 measured it in Chromium. */\n' +
    'mjx-container[jax="CHTML"] { font-size: 113.1%; }\n';
  fs.writeFileSync(path.join(site, CSS), adaptor.textContent(MathJax.chtmlStylesheet()) + scale);
  if (errors.length) {
    console.error(`typeset-maths: TeX errors:\n${errors.join('\n')}`);
    process.exit(1);
  }
  console.log(JSON.stringify(summary));
}).catch((err) => {
  console.error(`typeset-maths: ${err && err.stack || err}`);
  process.exit(1);
});
