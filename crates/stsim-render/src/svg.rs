//! The timeline picture: a [`Timeline`] drawn as one SVG document.
//!
//! A lane per pod identity, node, volume, DNS name and application, a
//! time axis, the scripted actions as numbered lines across every lane, and
//! a legend in each group's header. Every span and mark carries its trace
//! record as an SVG `<title>` (shown on hover) and its times in `data-a` /
//! `data-b` attributes, which the HTML report's script uses to zoom. Owns
//! the layout and the colours; builds nothing from the trace itself.

use crate::lanes::{Group, Lane, Mark, Span, Timeline};
use std::fmt::Write;

/// Width of the lane names, in pixels.
pub const LABEL_WIDTH: f64 = 280.0;
/// Width of the time plot, in pixels.
pub const PLOT_WIDTH: f64 = 1000.0;
const RIGHT: f64 = 16.0;
const LANE: f64 = 18.0;
const GAP: f64 = 3.0;
const HEADER: f64 = 26.0;
const CHAR: f64 = 6.4;

/// The colours of every state, shared with the HTML report.
pub const STYLE: &str = r#"
.tl text{font:11px system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#1d2330}
.tl .h{font-weight:600;font-size:12px}
.tl .d,.tl .lg{fill:#5a6275;font-size:10px}
.tl .sl{fill:#10131a;font-size:10px;pointer-events:none}
.tl .tick{stroke:#e3e6ec}
.tl .tk{fill:#5a6275;font-size:10px}
.tl .bg{fill:#f6f7f9}
.tl .act{stroke:#20242c;stroke-width:1.2;stroke-dasharray:4 3}
.tl .actf{fill:#20242c}
.tl .actt{fill:#fff;font-size:10px;font-weight:700}
.tl .actl{font-size:11px;font-weight:600}
.tl rect.s:hover,.tl rect.o:hover,.tl .m:hover{stroke:#000;stroke-width:1.5}
.pending{fill:#c8cdd6}.creating{fill:#f3d36b}.running{fill:#9cc7f0}.ready{fill:#3d9f4c}
.terminating{fill:#f09a4a}.failed{fill:#d8433a}.completed{fill:#8a8f99}
.node-ready{fill:#9bd3a6}.notready{fill:#f09a4a}.crashed{fill:#d8433a}.partitioned{fill:#9a63cc}.cordoned{fill:#f3d36b}
.attached{fill:#5d8fe8}.attaching,.detaching{fill:#b0c8f4}.bound{fill:#dde3ee}.orphaned{fill:#e3b4ae}
.multi,.released{fill:#b23a30}
.dns{fill:#72c495}.nxdomain{fill:#d8433a}.duplicate{fill:#d8433a}
.forming{fill:#c8cdd6}.healthy{fill:#3d9f4c}.degraded{fill:#f2b53c}.broken{fill:#d8433a}
.agg1{fill:#f6d2b8}.agg2{fill:#f0a877}.agg3{fill:#e5703d}.agg4{fill:#c9421c}
.m.restart{fill:#d8433a;stroke:#fff}.m.error{fill:#b00020}.m.evicted{fill:#9a3412}.m.warning{fill:#b7791f}
.m.taint,.m.drained,.m.removed,.m.member,.m.operator{fill:#3b4252}
"#;

/// The legend of each group: (class, words).
fn legend(group: &str) -> &'static [(&'static str, &'static str)] {
    match group {
        "pods" => &[
            ("pending", "Pending"),
            ("creating", "ContainerCreating"),
            ("running", "Running, not Ready"),
            ("ready", "Ready"),
            ("terminating", "Terminating"),
            ("failed", "failed"),
            ("duplicate", "two copies (bar)"),
        ],
        "nodes" => &[
            ("node-ready", "Ready"),
            ("notready", "NotReady"),
            ("crashed", "crashed"),
            ("partitioned", "partitioned"),
            ("cordoned", "cordoned"),
        ],
        "volumes" => &[
            ("attached", "attached (to the node named)"),
            ("attaching", "attaching/detaching"),
            ("bound", "not attached"),
            ("orphaned", "orphaned (billed, unused)"),
            ("multi", "Multi-Attach / Released"),
        ],
        "dns" => &[("dns", "A record published"), ("nxdomain", "NXDOMAIN cached (bar)")],
        "apps" => {
            &[("forming", "FORMING"), ("healthy", "HEALTHY"), ("degraded", "DEGRADED"), ("broken", "BROKEN")]
        }
        _ => &[],
    }
}

pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn truncate(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(chars.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// A tick step that gives at most about ten ticks over `end_ms`.
fn tick_step(end_ms: u64) -> u64 {
    const S: u64 = 1000;
    const STEPS: &[u64] = &[
        100,
        500,
        S,
        2 * S,
        5 * S,
        10 * S,
        15 * S,
        30 * S,
        60 * S,
        120 * S,
        300 * S,
        600 * S,
        900 * S,
        1800 * S,
        3600 * S,
        7200 * S,
        3 * 3600 * S,
        6 * 3600 * S,
        12 * 3600 * S,
        86_400 * S,
        2 * 86_400 * S,
        7 * 86_400 * S,
        14 * 86_400 * S,
        30 * 86_400 * S,
    ];
    STEPS.iter().copied().find(|s| end_ms / s <= 10).unwrap_or(30 * 86_400 * S)
}

struct Pen {
    out: String,
    end_ms: u64,
}

impl Pen {
    fn x(&self, ms: u64) -> f64 {
        LABEL_WIDTH + ms as f64 * PLOT_WIDTH / self.end_ms.max(1) as f64
    }

    fn span(&mut self, span: &Span, y: f64, height: f64, kind: &str, label: Option<&str>) {
        let (x0, x1) = (self.x(span.from_ms), self.x(span.to_ms));
        let width = (x1 - x0).max(0.6);
        let _ = write!(
            self.out,
            r#"<rect class="{kind} {}" x="{x0:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" data-a="{}" data-b="{}"><title>{}</title></rect>"#,
            span.class,
            span.from_ms,
            span.to_ms,
            esc(&span.title)
        );
        if let Some(label) = label {
            let fits = ((width - 6.0) / CHAR).floor().max(0.0) as usize;
            let text = if fits >= 4 { truncate(label, fits) } else { String::new() };
            let _ = write!(
                self.out,
                r#"<text class="sl" x="{:.1}" y="{:.1}" data-a="{}" data-b="{}" data-l="{}">{}</text>"#,
                x0 + 3.0,
                y + height - 4.5,
                span.from_ms,
                span.to_ms,
                esc(label),
                esc(&text)
            );
        }
    }

    fn mark(&mut self, mark: &Mark, y: f64) {
        let x = self.x(mark.at_ms);
        if mark.class == "restart" {
            let _ = write!(
                self.out,
                r#"<circle class="m restart" cx="{x:.1}" cy="{:.1}" r="4" data-a="{}"><title>{}</title></circle>"#,
                y + LANE / 2.0,
                mark.at_ms,
                esc(&mark.title)
            );
        } else {
            let _ = write!(
                self.out,
                r#"<rect class="m {}" x="{:.1}" y="{y:.1}" width="2.5" height="{LANE}" data-a="{}" data-w="2.5"><title>{}</title></rect>"#,
                mark.class,
                x - 1.2,
                mark.at_ms,
                esc(&mark.title)
            );
        }
    }

    fn lane(&mut self, group: &Group, lane: &Lane, y: f64) {
        let name = truncate(&lane.name, 40);
        let _ = write!(
            self.out,
            r#"<g class="lane" data-group="{}" data-lane="{}"><rect class="bg" x="{LABEL_WIDTH}" y="{y:.1}" width="{PLOT_WIDTH}" height="{LANE}"/><text x="6" y="{:.1}"><title>{}</title>{}"#,
            group.id,
            esc(&lane.name),
            y + 12.5,
            esc(&format!("{} {}", lane.name, lane.detail)),
            esc(&name)
        );
        if !lane.detail.is_empty() {
            let room = 44usize.saturating_sub(name.chars().count());
            if room > 6 {
                let _ =
                    write!(self.out, r#"<tspan class="d"> {}</tspan>"#, esc(&truncate(&lane.detail, room)));
            }
        }
        self.out.push_str("</text>");
        self.out.push_str(r#"<g clip-path="url(#plot)">"#);
        for span in &lane.spans {
            let label = match group.id {
                "pods" | "volumes" => span.node.as_deref().or(Some(span.state.as_str())),
                "operators" => None,
                _ => Some(span.state.as_str()),
            };
            let label = label.filter(|l| !l.is_empty());
            self.span(span, y, LANE, "s", label);
        }
        for overlay in &lane.overlays {
            self.span(overlay, y, 5.0, "o", None);
        }
        for mark in &lane.marks {
            self.mark(mark, y);
        }
        self.out.push_str("</g></g>");
    }
}

/// The height of the picture for a timeline.
fn height(timeline: &Timeline) -> f64 {
    let lanes: usize = timeline.groups.iter().map(|g| g.lanes.len()).sum();
    top(timeline) + timeline.groups.len() as f64 * HEADER + lanes as f64 * (LANE + GAP) + 12.0
}

fn top(timeline: &Timeline) -> f64 {
    if timeline.actions.is_empty() { 34.0 } else { 34.0 + 16.0 * timeline.actions.len().min(6) as f64 }
}

/// Draws the timeline as a standalone SVG document. `title` heads it.
pub fn render(timeline: &Timeline, title: &str) -> String {
    let width = LABEL_WIDTH + PLOT_WIDTH + RIGHT;
    let height = height(timeline) + 22.0;
    let mut pen = Pen { out: String::new(), end_ms: timeline.end_ms };
    let _ = write!(
        pen.out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="tl" id="timeline" width="{width}" height="{height:.0}" viewBox="0 0 {width} {height:.0}" data-end="{}" data-left="{LABEL_WIDTH}" data-plot="{PLOT_WIDTH}">"#,
        timeline.end_ms
    );
    let _ = write!(
        pen.out,
        r#"<style>{STYLE}</style><defs><clipPath id="plot"><rect x="{LABEL_WIDTH}" y="0" width="{PLOT_WIDTH}" height="{height:.0}"/></clipPath></defs>"#
    );
    let _ = write!(pen.out, r#"<text class="h" x="6" y="15">{}</text>"#, esc(title));
    pen.out.push_str(r#"<g transform="translate(0,22)">"#);
    draw(&mut pen, timeline);
    pen.out.push_str("</g></svg>\n");
    pen.out
}

fn draw(pen: &mut Pen, timeline: &Timeline) {
    let top = top(timeline);
    let bottom = height(timeline) - 8.0;
    // Time axis.
    let step = tick_step(timeline.end_ms);
    pen.out.push_str(r#"<g id="ticks">"#);
    let mut t = 0;
    while t <= timeline.end_ms {
        let x = pen.x(t);
        let _ = write!(
            pen.out,
            r#"<line class="tick" x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{bottom:.1}"/><text class="tk" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            top - 6.0,
            top - 9.0,
            stsim_core::time::SimTime::from_millis(t)
        );
        t += step;
    }
    pen.out.push_str("</g>");
    let mut y = top;
    for group in &timeline.groups {
        let _ = write!(pen.out, r#"<text class="h" x="6" y="{:.1}">{}</text>"#, y + 17.0, esc(&group.title));
        let mut x = LABEL_WIDTH;
        for (class, words) in legend(group.id) {
            let _ = write!(
                pen.out,
                r#"<rect class="{class}" x="{x:.1}" y="{:.1}" width="11" height="11" rx="2"/><text class="lg" x="{:.1}" y="{:.1}">{words}</text>"#,
                y + 8.0,
                x + 14.0,
                y + 17.5
            );
            x += 26.0 + words.len() as f64 * 6.4;
        }
        y += HEADER;
        for lane in &group.lanes {
            pen.lane(group, lane, y);
            y += LANE + GAP;
        }
    }
    // Actions: a numbered line across every lane, described at the top.
    pen.out.push_str(r#"<g clip-path="url(#plot)">"#);
    for (i, action) in timeline.actions.iter().enumerate() {
        let x = pen.x(action.at_ms);
        let _ = write!(
            pen.out,
            r#"<g class="m" data-a="{}"><line class="act" x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{bottom:.1}"/><circle class="actf" cx="{x:.1}" cy="{:.1}" r="7"/><text class="actt" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text><title>{}</title></g>"#,
            action.at_ms,
            top - 4.0,
            top - 2.0,
            top + 1.5,
            i + 1,
            esc(&action.title)
        );
    }
    pen.out.push_str("</g>");
    let shown = if timeline.actions.len() > 6 { 5 } else { timeline.actions.len() };
    for (i, action) in timeline.actions.iter().take(shown).enumerate() {
        let _ = write!(
            pen.out,
            r#"<text class="actl" x="{LABEL_WIDTH}" y="{:.1}">({}) {}</text>"#,
            12.0 + 16.0 * i as f64,
            i + 1,
            esc(&truncate(&action.title, 150))
        );
    }
    if timeline.actions.len() > 6 {
        let _ = write!(
            pen.out,
            r#"<text class="d" x="{LABEL_WIDTH}" y="{:.1}">… {} actions in all: hover a numbered line for each</text>"#,
            12.0 + 16.0 * 5.0,
            timeline.actions.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc(r#"<a href="x">&</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    }

    #[test]
    fn ticks_stay_few() {
        for end in [1u64, 999, 45 * 60_000, 7 * 86_400_000, 30 * 86_400_000] {
            let step = tick_step(end);
            assert!(end / step <= 10, "{end} ms in steps of {step}");
        }
    }
}
