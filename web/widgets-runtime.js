// The course's static widget runtime: renders the ipywidgets 8 state a notebook saved into the
// page (script type="application/vnd.jupyter.widget-state+json"), with no kernel and no network.
//
// It replaces @jupyter-widgets/html-manager's embed-amd.js (3.6 MB with RequireJS, both the
// ipywidgets 7 and 8 controls, the Output widget's JupyterLab renderers, an icon font and a JSON
// schema validator) by the same pieces from the same pinned npm packages, holding only what the
// course's slider figures (d2lmini/sliders.py) are made of: VBox/HBox, HTML, SelectionSlider,
// Stack and jslink, with their Layout/Style models. tools/vendor_web_assets.py bundles it with the
// pinned esbuild into _extra/widgets/widgets.js; the page loads it with `defer`, so it never
// blocks first paint, and only pages that saved widget state load it (myst-nb adds it there).
//
// Accessibility the stock views leave out, added here (tests/test_widgets_browser.py checks it):
// a slider's handle is named after its knob (the row's .d2l-knob-name), announces the option's
// label ("0.3", via aria-valuetext) rather than its index, and its readout is plain text, not an
// editable field. Focus ring, sizes and dark mode are in web/widgets.css.
//
// A model class the bundle lacks is reported on the console and shown as an error box in place
// of the widget; every other widget on the page still renders.

import { ManagerBase } from '@jupyter-widgets/base-manager';
import * as base from '@jupyter-widgets/base';
import {
  BoxModel, BoxView, HBoxModel, HBoxView, VBoxModel, VBoxView,
} from '@jupyter-widgets/controls/lib/widget_box';
import { DescriptionStyleModel } from '@jupyter-widgets/controls/lib/widget_description';
import { SliderStyleModel } from '@jupyter-widgets/controls/lib/widget_int';
import { LinkModel } from '@jupyter-widgets/controls/lib/widget_link';
import { SelectionSliderModel, SelectionSliderView } from '@jupyter-widgets/controls/lib/widget_selection';
import { StackModel, StackView } from '@jupyter-widgets/controls/lib/widget_selectioncontainer';
import { HTMLModel, HTMLStyleModel, HTMLView } from '@jupyter-widgets/controls/lib/widget_string';
import { Widget } from '@lumino/widgets';

// A SelectionSlider whose handle announces the option's label and whose readout is plain text.
// ipywidgets 8 makes the readout contentEditable on every update() (typing into it changes
// nothing but the text), and noUiSlider's aria-valuetext is the option's index ("2").
class SelectionSliderTextView extends SelectionSliderView {
  createSlider() {
    super.createSlider();
    // noUiSlider calls 'update' listeners in the order they were bound, its own aria one first,
    // on every move (keys, drag, tap, set()); this one overwrites its aria-valuetext.
    this.$slider.noUiSlider.on('update.coursearia', (values, handle, unencoded) => {
      const labels = this.model.get('_options_labels');
      this.$slider.querySelectorAll('.noUi-handle').forEach((el, i) => {
        const label = labels[Math.round(unencoded[i])];
        if (label !== undefined) el.setAttribute('aria-valuetext', label);
      });
    });
  }

  update(options) {
    const result = super.update(options);
    this.readout.removeAttribute('contenteditable');
    return result;
  }
}

const STATE_TYPE = 'application/vnd.jupyter.widget-state+json';
const VIEW_TYPE = 'application/vnd.jupyter.widget-view+json';
// Major versions of the model specs this bundle implements (ipywidgets 8).
const SUPPORTED = { '@jupyter-widgets/base': '2.', '@jupyter-widgets/controls': '2.' };
const MODULES = {
  '@jupyter-widgets/base': base,
  '@jupyter-widgets/controls': {
    BoxModel, BoxView, HBoxModel, HBoxView, VBoxModel, VBoxView, HTMLModel, HTMLView, HTMLStyleModel,
    DescriptionStyleModel, SliderStyleModel, SelectionSliderModel, StackModel, StackView, LinkModel,
    SelectionSliderView: SelectionSliderTextView,
  },
};

class StaticManager extends ManagerBase {
  async loadClass(className, moduleName, moduleVersion) {
    const module = MODULES[moduleName];
    if (module === undefined || !String(moduleVersion).startsWith(SUPPORTED[moduleName])) {
      throw new Error(`the course widget runtime has no module ${moduleName}@${moduleVersion} ` +
                      '(it renders ipywidgets 8 state: @jupyter-widgets/controls 2.x)');
    }
    if (module[className] === undefined) {
      throw new Error(`the course widget runtime has no ${className} in ${moduleName}; ` +
                      'add its file to web/widgets-runtime.js');
    }
    return module[className];
  }

  async display_view(view, el) {
    let shown;
    try {
      shown = await view;
    } catch (error) {
      console.error('could not create a widget view', error);
      const ErrorModel = base.createErrorWidgetModel(error, 'could not create a widget view');
      shown = new base.ErrorWidgetView({ model: new ErrorModel() });
      shown.render();
    }
    Widget.attach(shown.luminoWidget, el);
    return shown;
  }

  // Descriptions are shown as text: description_allow_html would need sanitize-html (0.25 MB),
  // and the course labels its controls with HTML widgets instead.
  inline_sanitize(source) {
    const text = document.createElement('span');
    text.textContent = source;
    return text.innerHTML;
  }

  _get_comm_info() {
    return Promise.resolve({});
  }

  _create_comm() {
    return Promise.resolve({ on_close() {}, on_msg() {}, close() {} });
  }
}

// Accessible names the stock views leave out: a slider handle is named after its knob (the
// .d2l-knob-name of its .d2l-control row), else its own description, else the text before it
// in its row; an image without alt text is marked decorative unless its tooltip describes it.
function nameControls(root) {
  for (const handle of root.querySelectorAll('.noUi-handle:not([aria-label])')) {
    const slider = handle.closest('.widget-slider');
    const row = slider && slider.closest('.d2l-control');
    const knob = row && row.querySelector('.d2l-knob-name');
    const own = slider && slider.querySelector(':scope > .widget-label');
    let label = (knob && knob.textContent.trim()) || (own && own.textContent.trim());
    if (!label && slider) {
      const row = slider.parentElement;
      const before = row && [...row.children].slice(0, [...row.children].indexOf(slider)).reverse()
        .find((el) => el.textContent.trim());
      label = before && before.textContent.trim();
    }
    if (label) handle.setAttribute('aria-label', label);
  }
  for (const img of root.querySelectorAll('img:not([alt])')) {
    img.setAttribute('alt', img.getAttribute('title') || '');
  }
}

// The saved state: inline (as myst-nb writes it), or, on the course's pages, in the script file
// the tag names in data-src, which widgets/loader.js has run before this one (window.d2lWidgetState).
function savedState(stateTag) {
  const source = stateTag.getAttribute('data-src');
  if (source === null) return JSON.parse(stateTag.textContent);
  if (window.d2lWidgetState === undefined) throw new Error(`the widget state file ${source} did not load`);
  return window.d2lWidgetState;
}

async function renderState(stateTag) {
  const manager = new StaticManager();
  const models = await manager.set_state(savedState(stateTag));
  const byId = new Map(models.map((model) => [model.model_id, model]));
  const views = document.querySelectorAll(`script[type="${VIEW_TYPE}"]`);
  await Promise.all([...views].map(async (viewTag) => {
    const model = byId.get(JSON.parse(viewTag.textContent).model_id);
    if (model === undefined || viewTag.parentElement === null) return;
    const host = document.createElement('div');
    host.className = 'widget-subarea';
    viewTag.parentElement.insertBefore(host, viewTag);
    const view = await manager.display_view(manager.create_view(model), host);
    // Views fill in their children asynchronously; name the controls once they are all there.
    await view.displayed;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    nameControls(host);
    new MutationObserver(() => nameControls(host)).observe(host, { childList: true, subtree: true });
    host.dataset.widgetsReady = 'true'; // tools/browser.py's show_widgets waits for this
  }));
}

// The widgets' own stylesheet sits next to this script; fetch it before the first view appears,
// so no widget is ever drawn unstyled.
function loadStyles(scriptUrl) {
  return new Promise((resolve) => {
    const sheet = document.createElement('link');
    sheet.rel = 'stylesheet';
    sheet.href = new URL('widgets.css', scriptUrl).href;
    sheet.onload = sheet.onerror = resolve;
    document.head.appendChild(sheet);
  });
}

const scriptUrl = document.currentScript ? document.currentScript.src : document.baseURI;

async function main() {
  const states = document.querySelectorAll(`script[type="${STATE_TYPE}"]`);
  if (states.length === 0) return;
  await loadStyles(scriptUrl);
  await Promise.all([...states].map((tag) => renderState(tag).catch((error) => {
    console.error('the saved widget state could not be rendered', error);
  })));
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', main);
} else {
  main();
}
