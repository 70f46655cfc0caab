// The playground: the scenario library, an editor, Run, and the report the
// CLI's --html writes, computed in the page by stsim compiled to WebAssembly.
import init, { library, report_assets, run, digest } from './pkg/stsim_wasm.js';

const $ = (id) => document.getElementById(id);

function escape(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

async function main() {
  await init();
  const scenarios = JSON.parse(library());
  const assets = JSON.parse(report_assets());
  const style = document.createElement('style');
  style.textContent = assets.style;
  document.head.appendChild(style);
  const zoom = new Function(assets.script);

  // Test hook: ?digests=a,b,c writes each built-in scenario's trace digest.
  const params = new URLSearchParams(location.search);
  if (params.has('digests')) {
    const out = {};
    for (const name of params.get('digests').split(',')) {
      const s = scenarios.find((x) => x.name === name);
      out[name] = s ? digest(s.source, s.path) : 'no such scenario';
    }
    $('digests').textContent = JSON.stringify(out);
    $('digests').hidden = false;
  }

  const select = $('library');
  const themes = [];
  for (const s of scenarios) {
    const theme = s.exercise ? 'Exercises (fix-it)' : s.theme;
    if (!themes.includes(theme)) themes.push(theme);
  }
  for (const theme of themes) {
    const group = document.createElement('optgroup');
    group.label = theme;
    for (const s of scenarios.filter((x) => (x.exercise ? 'Exercises (fix-it)' : x.theme) === theme)) {
      const option = document.createElement('option');
      option.value = s.name;
      option.textContent = s.name;
      option.title = s.summary;
      group.appendChild(option);
    }
    select.appendChild(group);
  }

  function load(name) {
    const s = scenarios.find((x) => x.name === name);
    $('editor').value = s.source;
    $('lesson').textContent = s.lesson ? 'Lesson: ' + s.lesson : '';
    $('hint-box').hidden = !s.hint;
    $('hint').textContent = s.hint || '';
    $('report').innerHTML = '<p class="muted">Press Run.</p>';
    $('expectations').innerHTML = '';
  }

  function go() {
    const name = select.value;
    const s = scenarios.find((x) => x.name === name);
    const started = performance.now();
    const result = JSON.parse(run($('editor').value, s ? s.path : 'scenario.ron'));
    const ms = Math.round(performance.now() - started);
    if (!result.ok) {
      $('status').textContent = 'the scenario is not valid';
      $('report').innerHTML = '<pre class="error">' + escape(result.error) + '</pre>';
      $('expectations').innerHTML = '';
      return;
    }
    $('status').textContent = `ran in ${ms} ms · ${result.records} trace records · digest ${result.digest}`;
    $('report').innerHTML = result.html;
    zoom();
    const rows = result.expectations.map((e) => e.passed
      ? `<div class="pass">holds: ${escape(e.description)}</div>`
      : `<div class="fail">FAILS: ${escape(e.description)}<br>expected ${escape(e.expected)}<br>happened: ${escape(e.actual)}</div>`);
    $('expectations').innerHTML = rows.length ? '<div class="exp"><b>Expectations</b>' + rows.join('') + '</div>' : '';
  }

  select.addEventListener('change', () => load(select.value));
  $('run').addEventListener('click', go);
  const first = params.get('scenario') || 'headless-service-renamed';
  select.value = scenarios.some((x) => x.name === first) ? first : scenarios[0].name;
  load(select.value);
  $('run').disabled = false;
  $('status').textContent = 'ready';
  if (params.has('run')) go();
}

main().catch((error) => {
  $('status').textContent = 'the engine did not load: ' + error;
  throw error;
});
