//! The HTML report: one self-contained page (inline CSS and script, no
//! network) with the timeline picture and the report's sections below it:
//! actions, breakage with cause chains, findings, the Kubernetes events,
//! storage cost, final pods.
//!
//! Owns the page's words and layout; the picture comes from `svg`, the
//! facts from the [`Report`], the events from [`crate::events`].

use crate::events::Recorded;
use crate::svg::esc;
use std::fmt::Write;
use stsim_core::report::Report;

/// Items a list section shows before saying how many more there are.
const LIST_LIMIT: usize = 50;

const PAGE_STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2330;margin:0;background:#fff}
main{padding:16px 22px;max-width:1320px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #e3e6ec;padding-bottom:3px}
.desc{color:#3b4252;margin:0 0 6px;max-width:1000px}.lesson{color:#1b5e20;margin:0 0 6px;max-width:1000px}.meta{color:#5a6275;font-size:12px}
.verdict{display:inline-block;border-radius:4px;padding:1px 7px;color:#fff;font-weight:700;font-size:12px}
.v-HEALTHY{background:#3d9f4c}.v-DEGRADED{background:#d9961c}.v-BROKEN{background:#d8433a}.v-FORMING{background:#8a8f99}
.scroll svg{width:100%;height:auto;display:block}.scroll{overflow-x:auto;border:1px solid #e3e6ec;border-radius:6px;margin-top:8px}
.tools{margin-top:10px;font-size:12px;color:#5a6275}.tools button{font:inherit;margin-right:4px;padding:1px 8px}
.hint{background:#f6f7f9;border-left:3px solid #5d8fe8;padding:6px 10px;font-size:13px;margin:10px 0}
table{border-collapse:collapse;font-size:12.5px}td,th{border-bottom:1px solid #eceef2;padding:3px 10px 3px 0;text-align:left;vertical-align:top}
th{color:#5a6275;font-weight:600}.chain{margin:2px 0 2px 18px;padding:0}.chain li{margin:1px 0}
.warn td{color:#9a5b00}.fix{color:#1b5e20}.muted{color:#5a6275}code{font-size:12px;background:#f3f4f7;padding:0 3px;border-radius:3px}
"#;

const SCRIPT: &str = r#"
(function(){
  var svg=document.getElementById('timeline'); if(!svg){return;}
  var L=+svg.getAttribute('data-left'), W=+svg.getAttribute('data-plot'), END=+svg.getAttribute('data-end')||1;
  var v0=0, v1=END, NS='http://www.w3.org/2000/svg';
  var els=Array.prototype.slice.call(svg.querySelectorAll('[data-a]'));
  var ticks=document.getElementById('ticks'), first=ticks.querySelector('line'), label=ticks.querySelector('text');
  var ty1=+first.getAttribute('y1'), ty2=+first.getAttribute('y2'), tly=+label.getAttribute('y');
  function X(t){return L+(t-v0)*W/(v1-v0);}
  function X0(t){return L+t*W/END;}
  function fmt(ms){
    if(ms===0){return '0s';}
    var u=[['d',86400000],['h',3600000],['m',60000],['s',1000],['ms',1]], out='';
    for(var i=0;i<u.length;i++){var n=Math.floor(ms/u[i][1]); if(n>0){out+=n+u[i][0]; ms-=n*u[i][1];}}
    return out;
  }
  var STEPS=[1,2,5,10,20,50,100,200,500,1e3,2e3,5e3,1e4,15e3,3e4,6e4,12e4,3e5,6e5,9e5,18e5,36e5,72e5,108e5,216e5,432e5,864e5,1728e5,6048e5,12096e5,2592e6];
  function drawTicks(){
    while(ticks.firstChild){ticks.removeChild(ticks.firstChild);}
    var span=v1-v0, step=STEPS[STEPS.length-1];
    for(var i=0;i<STEPS.length;i++){if(span/STEPS[i]<=10){step=STEPS[i];break;}}
    for(var t=Math.ceil(v0/step)*step;t<=v1;t+=step){
      var x=X(t), l=document.createElementNS(NS,'line'), tx=document.createElementNS(NS,'text');
      l.setAttribute('class','tick');l.setAttribute('x1',x);l.setAttribute('x2',x);l.setAttribute('y1',ty1);l.setAttribute('y2',ty2);
      tx.setAttribute('class','tk');tx.setAttribute('x',x);tx.setAttribute('y',tly);tx.setAttribute('text-anchor','middle');tx.textContent=fmt(t);
      ticks.appendChild(l);ticks.appendChild(tx);
    }
  }
  function draw(){
    for(var i=0;i<els.length;i++){
      var e=els[i], a=+e.getAttribute('data-a'), tag=e.tagName.toLowerCase();
      if(tag==='rect'){
        if(e.hasAttribute('data-w')){e.setAttribute('x',X(a)-1.2);}
        else{var x0=X(a), x1=X(+e.getAttribute('data-b')); e.setAttribute('x',x0); e.setAttribute('width',Math.max(x1-x0,0.6));}
      }else if(tag==='text'){
        var s=X(a), w=X(+e.getAttribute('data-b'))-s, lb=e.getAttribute('data-l');
        var n=Math.floor((w-6)/6.4); e.setAttribute('x',Math.max(s,L)+3); e.textContent=n>=lb.length?lb:(n>=4?lb.slice(0,n-1)+'\u2026':'');
      }else if(tag==='circle'){e.setAttribute('cx',X(a));}
      else if(tag==='g'){e.setAttribute('transform','translate('+(X(a)-X0(a))+',0)');}
    }
    drawTicks();
    var z=document.getElementById('zoom'); if(z){z.textContent=fmt(Math.round(v0))+' to '+fmt(Math.round(v1));}
  }
  function view(a,b){var min=Math.max(END/20000,1); if(b-a<min){var c=(a+b)/2;a=c-min/2;b=c+min/2;} v0=Math.max(0,a); v1=Math.min(END,b); if(v1<=v0){v0=0;v1=END;} draw();}
  function zoom(f){var c=(v0+v1)/2, h=(v1-v0)*f/2; view(c-h,c+h);}
  function pan(f){var d=(v1-v0)*f; if(v0+d<0){d=-v0;} if(v1+d>END){d=END-v1;} view(v0+d,v1+d);}
  var B=function(id,f){var b=document.getElementById(id); if(b){b.addEventListener('click',f);}};
  B('zin',function(){zoom(0.5);}); B('zout',function(){zoom(2);}); B('zreset',function(){view(0,END);});
  B('zleft',function(){pan(-0.4);}); B('zright',function(){pan(0.4);});
  function tAt(ev){var r=svg.getBoundingClientRect(), sx=(ev.clientX-r.left)*(svg.viewBox.baseVal.width/r.width); return v0+(sx-L)*(v1-v0)/W;}
  var start=null, sel=null;
  svg.addEventListener('mousedown',function(ev){start=tAt(ev); if(start<v0){start=null;return;}
    sel=document.createElementNS(NS,'rect'); sel.setAttribute('fill','rgba(93,143,232,0.18)'); sel.setAttribute('y',0); sel.setAttribute('height',svg.viewBox.baseVal.height); sel.setAttribute('width',0); sel.setAttribute('x',X(start)); svg.appendChild(sel); ev.preventDefault();});
  svg.addEventListener('mousemove',function(ev){if(start===null){return;} var t=tAt(ev); sel.setAttribute('x',X(Math.min(t,start))); sel.setAttribute('width',Math.abs(X(t)-X(start)));});
  window.addEventListener('mouseup',function(ev){if(start===null){return;} var t=tAt(ev), a=Math.min(t,start), b=Math.max(t,start); svg.removeChild(sel); sel=null; start=null; if(X(b)-X(a)>4){view(a,b);}});
  svg.addEventListener('dblclick',function(){view(0,END);});
  draw();
})();
"#;

fn ms(at: u64) -> String {
    stsim_core::time::SimTime::from_millis(at).to_string()
}

/// The page's inline style: the page's own and the picture's colours.
pub fn style() -> String {
    format!("{PAGE_STYLE}{}", crate::svg::STYLE)
}

/// The zoom script, for pages that embed the picture themselves.
pub fn script() -> &'static str {
    SCRIPT
}

/// The events a page lists: the first of those the API server keeps
/// (`events::recorded`), in their order, and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageEvents {
    pub first: Vec<Recorded>,
    pub total: usize,
}

impl PageEvents {
    pub fn of(mut events: Vec<Recorded>) -> PageEvents {
        let total = events.len();
        events.truncate(LIST_LIMIT);
        // Kept while the page is made: not with the room of all of them.
        events.shrink_to_fit();
        PageEvents { first: events, total }
    }
}

/// The report as one self-contained HTML page around the picture `svg`,
/// with the scenario's one-line lesson, if it has one, under its title.
pub fn render(report: &Report, svg: &str, events: &PageEvents, lesson: Option<&str>) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<link rel=\"icon\" href=\"data:,\"><title>stsim: {}</title><style>{}</style></head><body><main>\n",
        esc(&report.scenario),
        style()
    );
    page.push_str(&body(report, svg, events, lesson));
    let _ = writeln!(page, "</main><script>{SCRIPT}</script></body></html>");
    page
}

/// The page's content without `<html>`, for embedding (the playground).
/// `events` are those the API server keeps (`events::recorded`).
pub fn body(report: &Report, svg: &str, events: &PageEvents, lesson: Option<&str>) -> String {
    let mut page = String::new();
    let _ =
        write!(page, "<h1>{}</h1><p class=\"desc\">{}</p>", esc(&report.scenario), esc(&report.description));
    if let Some(lesson) = lesson {
        let _ = write!(page, "<p class=\"lesson\"><b>Lesson:</b> {}</p>", esc(lesson));
    }
    for app in &report.breakage {
        let _ = write!(
            page,
            "<span class=\"verdict v-{}\">{} {}</span> ",
            esc(&app.health),
            esc(&app.app),
            esc(&app.health)
        );
    }
    let _ = write!(
        page,
        "<p class=\"meta\">seed {} · ended at {} ({}) · {} events, {} trace records · trace digest <code id=\"digest\">{}</code></p>",
        report.seed,
        ms(report.ended_at_ms),
        esc(&report.end_reason),
        report.events,
        report.trace_records,
        esc(&report.trace_digest)
    );
    page.push_str(
        "<div class=\"hint\">Time runs left to right. Each row is one object over the run; its colour is its state \
(legend in each group's heading). Numbered dashed lines are the scenario's actions. Hover anything for the trace \
record behind it. Drag across the picture to zoom, double-click to zoom out.</div>",
    );
    page.push_str(
        "<div class=\"tools\"><button id=\"zleft\">◀</button><button id=\"zin\">zoom in</button><button id=\"zout\">zoom out</button>\
<button id=\"zright\">▶</button><button id=\"zreset\">whole run</button> showing <span id=\"zoom\"></span></div>",
    );
    let _ = write!(page, "<div class=\"scroll\">{svg}</div>");
    actions(&mut page, report);
    breakage(&mut page, report);
    findings(&mut page, report);
    kubernetes_events(&mut page, events);
    cost(&mut page, report);
    pods(&mut page, report);
    page
}

fn actions(page: &mut String, report: &Report) {
    let rows: Vec<_> = report.timeline.iter().filter(|r| r.kind == "script").collect();
    if rows.is_empty() {
        return;
    }
    page.push_str("<h2>Actions</h2><table><tr><th>#</th><th>time</th><th>what the scenario did</th></tr>");
    for (i, row) in rows.iter().take(LIST_LIMIT).enumerate() {
        let _ =
            write!(page, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", i + 1, ms(row.at_ms), esc(&row.what));
    }
    page.push_str("</table>");
    more(page, rows.len());
}

fn more(page: &mut String, total: usize) {
    more_in(page, total, "stsim run --json");
}

/// Says how many items past [`LIST_LIMIT`] a section left out, and which
/// command lists them all.
fn more_in(page: &mut String, total: usize, command: &str) {
    if total > LIST_LIMIT {
        let _ = write!(
            page,
            "<p class=\"muted\">… and {} more (see <code>{}</code>)</p>",
            total - LIST_LIMIT,
            esc(command)
        );
    }
}

/// The events `kubectl events` would list after the run, in its order (by
/// last time), repeats counted as the API server keeps them.
fn kubernetes_events(page: &mut String, events: &PageEvents) {
    if events.total == 0 {
        return;
    }
    page.push_str(
        "<h2>Events</h2><p class=\"muted\">As <code>kubectl events</code> lists them after the run: \
each component's recorder counts repeats (<i>x4 over 2m10s</i>) and merges floods.</p>\
<table><tr><th>last seen</th><th>type</th><th>reason</th><th>object</th><th>message</th></tr>",
    );
    for event in events.first.iter().take(LIST_LIMIT) {
        let kind = if event.warning { "Warning" } else { "Normal" };
        let _ = write!(
            page,
            "<tr{}><td>{}</td><td>{kind}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if event.warning { " class=\"warn\"" } else { "" },
            esc(&crate::events::correlate::seen(event, crate::events::Times::SinceStart)),
            esc(event.reason),
            esc(&event.object()),
            esc(&event.message)
        );
    }
    page.push_str("</table>");
    more_in(page, events.total, "stsim events FILE");
}

fn breakage(page: &mut String, report: &Report) {
    if report.breakage.is_empty() {
        return;
    }
    page.push_str("<h2>Breakage</h2>");
    for app in &report.breakage {
        let _ = write!(
            page,
            "<p><b>{}</b> ({}, peers stored by {}, StatefulSet {}): <span class=\"verdict v-{}\">{}</span> at the end. {}</p>",
            esc(&app.app),
            esc(&app.kind),
            esc(&app.addressing),
            esc(&app.statefulset),
            esc(&app.health),
            esc(&app.health),
            esc(&app.reason)
        );
        for interval in app.intervals.iter().take(LIST_LIMIT) {
            let to = interval.to_ms.map(ms).unwrap_or_else(|| "the end".into());
            let _ = write!(
                page,
                "<div><span class=\"verdict v-{}\">{}</span> from {} to {}",
                esc(&interval.health),
                esc(&interval.health),
                ms(interval.from_ms),
                esc(&to)
            );
            if let Some(detect) = interval.time_to_detect_ms {
                let _ = write!(page, " ({} after its cause)", ms(detect));
            }
            let _ = write!(page, "<br>why: {}", esc(&interval.reason));
            if !interval.cause.is_empty() {
                page.push_str("<ol class=\"chain\">");
                for step in &interval.cause {
                    let _ = write!(page, "<li>{}</li>", esc(step));
                }
                page.push_str("</ol>");
            }
            if !interval.fix.is_empty() {
                let _ = write!(page, "<span class=\"fix\">fix: {}</span>", esc(&interval.fix));
            }
            page.push_str("</div>");
        }
        more(page, app.intervals.len());
    }
}

fn findings(page: &mut String, report: &Report) {
    page.push_str("<h2>Findings</h2>");
    if report.findings.is_empty() {
        page.push_str("<p class=\"muted\">none: no stuck rollout, stuck pod, orphaned volume or duplicated identity at the end.</p>");
        return;
    }
    for finding in report.findings.iter().take(LIST_LIMIT) {
        let _ = write!(
            page,
            "<p><b>{}</b> <code>{}</code> since {}: {}<br>{}<br><span class=\"fix\">fix: {}</span></p>",
            esc(&finding.subject),
            finding.id,
            ms(finding.since_ms),
            esc(&finding.summary),
            esc(&finding.explanation),
            esc(&finding.fix)
        );
    }
    more(page, report.findings.len());
}

fn cost(page: &mut String, report: &Report) {
    let storage = &report.storage;
    if storage.volumes.is_empty() {
        return;
    }
    let _ = write!(
        page,
        "<h2>Storage cost</h2><p>total this run {}, of which {} while orphaned; volumes orphaned at the end cost {} a month.</p>",
        storage.total_accrued, storage.orphaned_accrued, storage.orphaned_monthly
    );
    page.push_str(
        "<table><tr><th>StatefulSet</th><th>volumes</th><th>this run</th><th>per month now</th></tr>",
    );
    for set in storage.per_statefulset.iter().take(LIST_LIMIT) {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&set.statefulset),
            set.volumes,
            set.accrued,
            set.monthly
        );
    }
    page.push_str("</table>");
    more(page, storage.per_statefulset.len());
    if !storage.orphaned.is_empty() {
        page.push_str("<p><b>Orphaned volumes</b></p><table><tr><th>volume</th><th>claim</th><th>since</th><th>why</th><th>while orphaned</th><th>per month</th><th>clean up</th></tr>");
        for orphan in storage.orphaned.iter().take(LIST_LIMIT) {
            let _ = write!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&orphan.pv),
                esc(orphan.pvc.as_deref().unwrap_or("-")),
                ms(orphan.orphaned_since_ms),
                esc(&orphan.why),
                orphan.accrued_while_orphaned,
                orphan.monthly,
                esc(&orphan.cleanup)
            );
        }
        page.push_str("</table>");
        more(page, storage.orphaned.len());
    }
}

fn pods(page: &mut String, report: &Report) {
    page.push_str("<h2>Pods at the end</h2><table><tr><th>name</th><th>ready</th><th>status</th><th>restarts</th><th>IP</th><th>node</th><th>revision</th></tr>");
    for pod in report.pods.iter().take(LIST_LIMIT) {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&pod.name),
            esc(&pod.state.ready),
            esc(&pod.state.status),
            crate::cells::restarts(pod, report.ended_at_ms),
            esc(pod.state.ip.as_deref().unwrap_or("<none>")),
            esc(pod.state.node.as_deref().unwrap_or("<none>")),
            esc(&pod.revision)
        );
    }
    page.push_str("</table>");
    more(page, report.pods.len());
}
