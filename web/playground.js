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
    $('report').innerHTML = s.quiz
      ? '<p class="muted">Answer the question on the left (or press Run) to see what happens.</p>'
      : '<p class="muted">Press Run.</p>';
    $('expectations').innerHTML = '';
    showQuiz(s.quiz);
  }

  // Predict, then see: a choice runs the scenario and reveals the answer.
  function showQuiz(quiz) {
    $('quiz').hidden = !quiz;
    $('choices').innerHTML = '';
    $('verdict').textContent = '';
    if (!quiz) return;
    $('question').textContent = quiz.question;
    quiz.choices.forEach((choice, i) => {
      const button = document.createElement('button');
      button.textContent = String.fromCharCode(65 + i) + ') ' + choice;
      button.addEventListener('click', () => {
        const buttons = $('choices').querySelectorAll('button');
        buttons.forEach((b, j) => { b.disabled = true; if (j === quiz.answer) b.className = 'right'; });
        if (i !== quiz.answer) button.className = 'wrong';
        $('verdict').textContent = (i === quiz.answer ? 'Right. ' : 'Not quite. ') + quiz.explanation
          + ' The run below is the evidence.';
        go();
      });
      $('choices').appendChild(button);
    });
  }

  // Runs the editor's scenario. The engine runs on the page's thread: a
  // run has a budget (see stsim-wasm's BUDGET and TIME_LIMIT_MS) and says
  // when it stopped early; a trap (out of memory) leaves the engine unusable.
  async function go() {
    const name = select.value;
    const s = scenarios.find((x) => x.name === name);
    $('run').disabled = true;
    $('status').textContent = 'running…';
    // Let the page show that before the engine takes the thread.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const started = performance.now();
    let result;
    try {
      result = JSON.parse(run($('editor').value, s ? s.path : 'scenario.ron'));
    } catch (error) {
      $('status').textContent = `the engine stopped (${error}); reload the page to run again`;
      return;
    }
    $('run').disabled = false;
    const ms = Math.round(performance.now() - started);
    if (!result.ok) {
      $('status').textContent = 'the scenario is not valid';
      $('report').innerHTML = '<pre class="error">' + escape(result.error) + '</pre>';
      $('expectations').innerHTML = '';
      return;
    }
    const early = result.exhausted
      ? ` · stopped early: ${result.exhausted}; the report shows the run up to there (stsim run allows more)`
      : '';
    $('status').textContent = `ran in ${ms} ms · ${result.records} trace records · digest ${result.digest}${early}`;
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
  // ?source=... puts a scenario of one's own in the editor (a shared link).
  if (params.has('source')) $('editor').value = params.get('source');
  $('run').disabled = false;
  $('status').textContent = 'ready';
  if (params.has('run')) go();
  // ?answer=C answers the quiz (for tests and links).
  if (params.has('answer')) {
    const i = params.get('answer').toUpperCase().charCodeAt(0) - 65;
    const button = $('choices').querySelectorAll('button')[i];
    if (button) button.click();
  }
}

main().catch((error) => {
  $('status').textContent = 'the engine did not load: ' + error;
  throw error;
});
