//! The HTML report (and the playground, see `playground_*`) in a real
//! headless browser: Debian's `chromium`. Each test prints a message and
//! passes without checking anything when no chromium is installed
//! (`apt-get install chromium`; or set `STSIM_CHROMIUM` to a binary).
//!
//! `STSIM_UPDATE_SCREENSHOTS=1` also writes the report's screenshot to
//! `docs/images/headless-service-renamed.png`.

use crate::support::{repo_root, run_file};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The chromium binary, if there is one.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("STSIM_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A fresh scratch directory under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = repo_root().join("target").join("browser-tests").join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What a headless chromium run printed.
pub struct Browser {
    pub stdout: String,
    /// The page's console messages and uncaught errors, one a line.
    pub console: Vec<String>,
}

/// Runs headless chromium on `url` with `extra` arguments (`--dump-dom`,
/// `--screenshot=...`), a fresh profile, and no network of its own.
pub fn headless(chromium: &Path, dir: &Path, url: &str, extra: &[&str]) -> Browser {
    let profile = dir.join(format!("profile-{}", extra.join("").len()));
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = r.read_to_string(&mut text);
            text
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // A profile is tens of megabytes: keep none.
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = err.join().unwrap();
    let console = stderr.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    Browser { stdout: out.join().unwrap(), console }
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn the_html_report_loads_without_errors_with_a_lane_per_pod() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "skipped: no chromium installed (apt-get install chromium), the HTML report was not opened"
        );
        return;
    };
    let dir = scratch("report");
    for name in
        ["headless-service-renamed", "node-crash-stuck-terminating", "node-failures-week", "forced-rollback"]
    {
        let (sim, report) = run_file(name);
        let path = dir.join(format!("{name}.html"));
        std::fs::write(&path, stsim_render::html(&sim, &report)).unwrap();
        let browser = headless(&chromium, &dir, &file_url(&path), &["--dump-dom"]);
        assert!(browser.console.is_empty(), "{name}: console messages:\n{}", browser.console.join("\n"));
        let dom = browser.stdout;
        // The zoom script ran to its end: it writes the shown range.
        let end = stsim_core::time::SimTime::from_millis(report.ended_at_ms);
        assert!(
            dom.contains(&format!("<span id=\"zoom\">0s to {end}</span>")),
            "{name}: the script did not run"
        );
        // A lane per pod identity of the run.
        let mut identities: Vec<&str> = report
            .timeline
            .iter()
            .filter(|r| r.kind == "pod" && r.pod.is_some())
            .map(|r| r.name.as_str())
            .collect();
        identities.sort();
        identities.dedup();
        assert!(!identities.is_empty());
        for pod in &identities {
            assert_eq!(
                dom.matches(&format!("data-group=\"pods\" data-lane=\"{pod}\"")).count(),
                1,
                "{name}: lane of {pod}"
            );
        }
        assert_eq!(dom.matches("data-group=\"pods\"").count(), identities.len(), "{name}");
    }
}

#[test]
fn a_screenshot_of_the_rename_report() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: no chromium installed (apt-get install chromium), no screenshot taken");
        return;
    };
    let dir = scratch("screenshot");
    let (sim, report) = run_file("headless-service-renamed");
    let lesson = stsim_examples::teaching(stsim_examples::find("headless-service-renamed").unwrap()).lesson;
    let page = dir.join("report.html");
    std::fs::write(&page, stsim_render::html_with_lesson(&sim, &report, lesson.as_deref())).unwrap();
    let shot = dir.join("headless-service-renamed.png");
    let browser = headless(
        &chromium,
        &dir,
        &file_url(&page),
        &["--window-size=1340,960", &format!("--screenshot={}", shot.display())],
    );
    assert!(browser.console.is_empty(), "{}", browser.console.join("\n"));
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000, "a blank page is smaller: {} bytes", png.len());
    if std::env::var_os("STSIM_UPDATE_SCREENSHOTS").is_some() {
        let docs = repo_root().join("docs/images");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(&shot, docs.join("headless-service-renamed.png")).unwrap();
    }
}

/// Serves `root` over HTTP on a loopback port, for pages that fetch (the
/// playground's WebAssembly cannot load from `file://`). The server thread
/// lives as long as the test process.
fn serve(root: PathBuf) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split_whitespace().nth(1).unwrap_or("/");
            let path = target.split('?').next().unwrap_or("/").trim_start_matches('/');
            let path = if path.is_empty() { "index.html" } else { path };
            let file = root.join(path);
            let (status, body) = match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => ("200 OK", body),
                _ => ("404 Not Found", b"not found".to_vec()),
            };
            let kind = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("css") => "text/css",
                Some("wasm") => "application/wasm",
                _ => "application/octet-stream",
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    port
}

/// The playground's page, if it is built (`scripts/build-playground.sh`).
fn playground() -> Option<PathBuf> {
    let web = repo_root().join("web");
    web.join("pkg/stsim_wasm_bg.wasm").is_file().then_some(web)
}

#[test]
fn the_playground_computes_the_clis_digests() {
    let (Some(chromium), Some(web)) = (chromium(), playground()) else {
        eprintln!(
            "skipped: the playground test needs chromium and a built playground (scripts/build-playground.sh)"
        );
        return;
    };
    let port = serve(web);
    let dir = scratch("playground");
    let names = [
        "redis-ordered-startup",
        "headless-service-renamed",
        "node-crash-stuck-terminating",
        "drain-pdb-multi-attach",
        "node-failures-week",
        "operators/failover",
        "fix-drain-without-budget",
    ];
    let url = format!("http://127.0.0.1:{port}/index.html?digests={}", names.join(","));
    let browser = headless(&chromium, &dir, &url, &["--dump-dom", "--virtual-time-budget=30000"]);
    assert!(browser.console.is_empty(), "console messages:\n{}", browser.console.join("\n"));
    let dom = browser.stdout;
    let start =
        dom.find("<pre id=\"digests\">").expect("the page wrote its digests") + "<pre id=\"digests\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let digests: serde_json::Value = serde_json::from_str(&dom[start..end]).expect("JSON");
    for name in names {
        let example = stsim_examples::find(name).unwrap();
        let config = stsim_scenario::parse_scenario(example.source, example.path).unwrap();
        let (_, report) = stsim_cli::simulate(config, &stsim_cli::consent::ExecPolicy::default()).unwrap();
        assert_eq!(digests[name], report.trace_digest.as_str(), "{name}: the browser's digest is the CLI's");
    }
}

#[test]
fn the_playground_runs_a_scenario_and_shows_its_report() {
    let (Some(chromium), Some(web)) = (chromium(), playground()) else {
        eprintln!(
            "skipped: the playground test needs chromium and a built playground (scripts/build-playground.sh)"
        );
        return;
    };
    let port = serve(web);
    let dir = scratch("playground-run");
    let url = format!("http://127.0.0.1:{port}/index.html?scenario=headless-service-renamed&run=1");
    let browser = headless(&chromium, &dir, &url, &["--dump-dom", "--virtual-time-budget=30000"]);
    assert!(browser.console.is_empty(), "console messages:\n{}", browser.console.join("\n"));
    let dom = browser.stdout;
    for pod in ["pg-0", "pg-1", "pg-2"] {
        assert!(dom.contains(&format!("data-group=\"pods\" data-lane=\"{pod}\"")), "no lane for {pod}");
    }
    let (_, report) = run_file("headless-service-renamed");
    assert!(dom.contains(&format!("digest {}", report.trace_digest)), "the status shows the CLI's digest");
    assert!(dom.contains("<span id=\"zoom\">0s to 45m</span>"), "the zoom script ran");
    assert!(dom.contains("holds: AppVerdict(pg at 45m: BROKEN)"));
    // A quiz: answering runs the scenario and reveals the answer.
    let url = format!("http://127.0.0.1:{port}/index.html?scenario=servicename-changed&answer=B");
    let browser = headless(&chromium, &dir, &url, &["--dump-dom", "--virtual-time-budget=30000"]);
    assert!(browser.console.is_empty(), "console messages:\n{}", browser.console.join("\n"));
    assert!(
        browser.stdout.contains("<p id=\"verdict\">Not quite. Per-pod DNS records exist only"),
        "the answer is revealed"
    );
    assert!(browser.stdout.contains("class=\"wrong\">B) "), "the wrong choice is marked");
    assert!(browser.stdout.contains("class=\"right\">C) "), "the right choice is marked");
    assert!(browser.stdout.contains("data-group=\"pods\" data-lane=\"pg-0\""), "the run is shown");
    if std::env::var_os("STSIM_UPDATE_SCREENSHOTS").is_some() {
        let shot = repo_root().join("docs/images/playground.png");
        let url = format!("http://127.0.0.1:{port}/index.html?scenario=servicename-changed&answer=C");
        let browser = headless(
            &chromium,
            &dir,
            &url,
            &[
                "--window-size=1500,1000",
                "--virtual-time-budget=30000",
                &format!("--screenshot={}", shot.display()),
            ],
        );
        assert!(browser.console.is_empty());
    }
}

/// A scenario of one's own (`&source=`) too big for a page: 20,000 node
/// failures under 100 sets of 20 make about twice the playground's budget of
/// records. The run stops there, the status line says so, and the report
/// of the run so far is shown.
#[test]
fn the_playground_stops_a_scenario_too_big_for_a_page() {
    let (Some(chromium), Some(web)) = (chromium(), playground()) else {
        eprintln!(
            "skipped: the playground test needs chromium and a built playground (scripts/build-playground.sh)"
        );
        return;
    };
    let sets: String = (0..100)
        .map(|i| {
            format!(
                r#"(name: "s{i}", serviceName: "s{i}", replicas: 20, template: (labels: {{"app": "s{i}"}}, image: "redis:7.0"), volumeClaimTemplates: [(name: "data", storage: "1Gi")]),"#
            )
        })
        .collect();
    let services: String = (0..100)
        .map(|i| format!(r#"(name: "s{i}", clusterIP: "None", selector: {{"app": "s{i}"}}),"#))
        .collect();
    let source = format!(
        r#"Scenario(name: "big", seed: 1, duration: "400d",
    cluster: (
        nodeFailures: (meanTimeBetweenFailures: "40d", meanTimeToRepair: "1h"),
        nodePools: [(name: "worker", count: 2000, cpu: "4", memory: "16Gi")],
    ),
    services: [{services}],
    statefulsets: [{sets}],
)"#
    );
    let encoded: String = source
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let port = serve(web);
    let dir = scratch("playground-big");
    let url =
        format!("http://127.0.0.1:{port}/index.html?scenario=redis-ordered-startup&source={encoded}&run=1");
    let browser = headless(&chromium, &dir, &url, &["--dump-dom", "--virtual-time-budget=30000"]);
    assert!(browser.console.is_empty(), "console messages:\n{}", browser.console.join("\n"));
    let dom = browser.stdout;
    assert!(
        dom.contains("stopped early: 250000 trace records, the budget; the report shows the run up to there"),
        "the status line says the run stopped at the budget: {}",
        dom.lines().find(|l| l.contains("id=\"status\"")).unwrap_or("no status line")
    );
    assert!(dom.contains("data-group=\"pods\" data-lane=\"s"), "the report of the run so far is shown");
}
