//! Operators in any language: a child process driven in lockstep over JSON lines.
//!
//! Owns the process side of the operator protocol (`docs/operator-protocol.md`):
//! starting the command in the scenario's directory, writing one request
//! line per reconcile (the watch events and the view of the cluster),
//! reading one answer line (the actions), and turning every way a process
//! can misbehave into a clear error: it exited, it did not answer within
//! the timeout (it is killed), or it answered something that is not the
//! protocol. stsim never waits on it longer than the timeout.
//!
//! On Unix each operator runs in a process group of its own, and stsim
//! stops the whole group (SIGKILL to it) wherever it stops the operator:
//! on a timeout, a refused answer, a restart fault, an exit, and at the end
//! of the run (after closing its stdin and a moment's grace). So a program
//! started through a shell (`sh -c "python3 op.py"`) or one that forks
//! helpers leaves nothing running behind it. While waiting for an answer,
//! stsim also notices the process it started exiting although its output
//! stays open (a child of its own holds it), and says so.
//!
//! The simulation stays deterministic: the process sees simulated time only,
//! and stsim waits for each answer before going on.
//!
//! Answers are read strictly in order: the n-th line the process writes is
//! the answer to the n-th request, whenever it arrives. Nothing is decided
//! from whether a line has arrived yet (a non-blocking poll races with the
//! process, and made a run with an extra line differ from run to run), so a
//! line written unasked (a startup line, two lines for one request) shifts
//! the answers the same way on every run, and is caught deterministically:
//! at once when the answer echoes a request's `seq` that is not the one
//! asked, otherwise at the end of the run, when the output is read to its
//! end after stdin is closed and any line left over is an error naming it.
//!
//! A hostile or broken process cannot exhaust stsim: an answer longer than
//! [`MAX_ANSWER_BYTES`] is refused without being held whole, at most
//! [`LINE_QUEUE`] unread lines are held (then the process blocks on its
//! full pipe), the timeout is never zero, and only the kept end of stderr is
//! held. Its environment is minimal: `PATH` (to find an interpreter) and
//! `STSIM_PROTOCOL`, `STSIM_OPERATOR`; nothing else of the user's is passed.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;
use stsim_core::operators::{Operator, OperatorAction, Reconciled, View, WatchEvent};

/// The newest version of the protocol stsim speaks (a scenario chooses
/// with `protocol: 2`; without it, version 1).
pub const PROTOCOL: u32 = 2;

/// The longest answer line an operator may write.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The most lines read from an operator and not yet taken as answers; past
/// it the reader waits, and a process that writes without end blocks on its
/// full pipe instead of filling stsim's memory.
pub const LINE_QUEUE: usize = 64;

/// The shortest timeout, whatever the configuration says.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// How often, while waiting for an answer, stsim checks that the process
/// it started is still running.
const EXIT_POLL: Duration = Duration::from_millis(50);

/// Once the process it started has exited with its output still open, how
/// long a line it had already written gets to arrive.
const EXIT_GRACE: Duration = Duration::from_millis(200);

/// How waiting for an answer ended without a line.
enum NoLine {
    /// The timeout passed.
    Timeout,
    /// The output closed, or could not be read.
    Closed,
    /// The process stsim started exited, and its output is still open:
    /// a process it started holds it.
    Exited(std::process::ExitStatus),
}

/// What the stdout reader hands over: a line, or why reading stopped.
/// Whether more output came with a line is not said: that depends on how
/// the pipe's bytes were split between reads, which is the OS's timing.
enum Line {
    Text(String),
    TooLong,
    NotUtf8,
    Failed,
}

/// Reads lines of at most `MAX_ANSWER_BYTES`, never holding more than that.
fn read_lines(stdout: impl std::io::Read, tx: SyncSender<Line>) {
    let mut reader = BufReader::new(stdout);
    let mut line: Vec<u8> = Vec::new();
    loop {
        let (done, used) = match reader.fill_buf() {
            Ok([]) => return,
            Ok(buffer) => match buffer.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    line.extend_from_slice(&buffer[..end]);
                    (true, end + 1)
                }
                None => {
                    line.extend_from_slice(buffer);
                    (false, buffer.len())
                }
            },
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => {
                let _ = tx.send(Line::Failed);
                return;
            }
        };
        reader.consume(used);
        if line.len() > MAX_ANSWER_BYTES {
            let _ = tx.send(Line::TooLong);
            return;
        }
        if done {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let message = match String::from_utf8(std::mem::take(&mut line)) {
                Ok(text) => Line::Text(text),
                Err(_) => Line::NotUtf8,
            };
            if tx.send(message).is_err() {
                return;
            }
        }
    }
}

pub struct ExternalOperator {
    name: String,
    command: Vec<String>,
    workdir: Option<String>,
    timeout: Duration,
    process: Option<Running>,
    /// The protocol version spoken, the scenario's name and the run's id.
    protocol: u32,
    scenario: String,
    run_id: String,
}

struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<Line>,
    /// Requests written to this process so far: the last one's `seq`.
    sent: u64,
    /// The line taken as the answer to the last request, for an error that
    /// finds the answers out of step.
    last_answer: Option<String>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    /// The thread reading stderr: done once the process and its children
    /// have closed it (at their exit), so all it wrote has been read.
    stderr_reader: std::thread::JoinHandle<()>,
}

/// A request of protocol 2: Kubernetes-shaped objects, every kind's watch
/// events with the object, and the answers to the previous writes.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestV2<'a> {
    protocol: u32,
    seq: u64,
    run_id: &'a str,
    scenario: &'a str,
    operator: &'a str,
    time_ms: u64,
    events: Vec<EventV2<'a>>,
    results: &'a [stsim_core::kube::WriteResult],
    view: ViewV2<'a>,
}

#[derive(serde::Serialize)]
struct EventV2<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    object: &'a serde_json::Value,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ViewV2<'a> {
    #[serde(flatten)]
    objects: &'a stsim_core::kube::Objects,
    apps: &'a [stsim_core::operators::AppView],
}

#[derive(serde::Serialize)]
struct Request<'a> {
    protocol: u32,
    seq: u64,
    operator: &'a str,
    time_ms: u64,
    events: &'a [WatchEvent],
    view: &'a View,
}

/// How stsim will speak to an operator: the protocol version, and the run
/// its requests name.
#[derive(Debug, Clone, Copy)]
pub struct Speaking<'a> {
    pub protocol: u32,
    pub scenario: &'a str,
    pub seed: u64,
}

impl ExternalOperator {
    /// Starts the command; an error if it cannot be started.
    /// Starts the process, which is told the protocol version it will be
    /// spoken to in (`STSIM_PROTOCOL`); requests of protocol 2 name the
    /// scenario and the run (`<scenario>/seed-<seed>`).
    pub fn start(
        name: &str,
        command: &[String],
        workdir: Option<&str>,
        timeout: Duration,
        speaking: Speaking<'_>,
    ) -> Result<Self, String> {
        let mut operator = ExternalOperator {
            name: name.to_string(),
            command: command.to_vec(),
            workdir: workdir.map(String::from),
            timeout: timeout.max(MIN_TIMEOUT),
            process: None,
            protocol: speaking.protocol,
            scenario: speaking.scenario.to_string(),
            run_id: format!("{}/seed-{}", speaking.scenario, speaking.seed),
        };
        operator.spawn()?;
        Ok(operator)
    }

    fn request(&self, seq: u64, view: &View, events: &[WatchEvent]) -> Result<String, String> {
        if self.protocol >= 2 {
            let null = serde_json::Value::Null;
            let request = RequestV2 {
                protocol: 2,
                seq,
                run_id: &self.run_id,
                scenario: &self.scenario,
                operator: &self.name,
                time_ms: view.time_ms,
                events: events
                    .iter()
                    .map(|e| EventV2 { kind: e.kind, object: e.manifest.as_ref().unwrap_or(&null) })
                    .collect(),
                results: &view.results,
                view: ViewV2 { objects: &view.objects, apps: &view.apps },
            };
            return serde_json::to_string(&request).map_err(|e| format!("cannot encode the request: {e}"));
        }
        let request = Request { protocol: 1, seq, operator: &self.name, time_ms: view.time_ms, events, view };
        serde_json::to_string(&request).map_err(|e| format!("cannot encode the request: {e}"))
    }

    fn spawn(&mut self) -> Result<(), String> {
        let (program, args) = self.command.split_first().ok_or("operator command is empty")?;
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // A minimal, documented environment (docs/operator-protocol.md).
        command.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        command.env("STSIM_PROTOCOL", self.protocol.to_string()).env("STSIM_OPERATOR", &self.name);
        if let Some(dir) = &self.workdir {
            command.current_dir(dir);
        }
        // A process group of its own, so that stopping it stops whatever it
        // started too (a shell's child, a forked helper).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|e| {
            format!("error: operator {}: cannot start `{}`: {e}\n", self.name, self.command.join(" "))
        })?;
        let (Some(stdin), Some(stdout), Some(stderr_pipe)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            stop(&mut child);
            return Err(format!("error: operator {}: its standard streams could not be opened\n", self.name));
        };
        let (tx, lines) = sync_channel(LINE_QUEUE);
        std::thread::spawn(move || read_lines(stdout, tx));
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr_pipe);
            let mut chunk = Vec::new();
            // Lines are read at most 4 kB at a time, so a line without end is held in pieces.
            while std::io::Read::take(&mut reader, 4_000).read_until(b'\n', &mut chunk).is_ok_and(|n| n > 0) {
                let line = String::from_utf8_lossy(&chunk).trim_end_matches('\n').to_string();
                chunk.clear();
                let Ok(mut text) = sink.lock() else { break };
                text.push_str(&line);
                text.push('\n');
                // Keep the end: that is where a traceback's reason is.
                if text.len() > 4_000 {
                    let cut = text.len() - 4_000;
                    text.drain(..cut);
                }
            }
        });
        self.process =
            Some(Running { child, stdin, lines, sent: 0, last_answer: None, stderr, stderr_reader });
        Ok(())
    }

    /// The end of what the process wrote to stderr. Once it has exited (or
    /// been killed) its stderr reaches its end, and everything it wrote is
    /// read before the tail is taken, however slow the machine; the bound
    /// only covers a process that left its group (or a system without
    /// process groups) and keeps the pipe open.
    fn stderr_tail(process: &Running) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !process.stderr_reader.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let text = process.stderr.lock().map(|t| t.clone()).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect();
        if tail.is_empty() {
            String::new()
        } else {
            format!("; its stderr ended with:\n    {}", tail.join("\n    "))
        }
    }

    /// The process stsim started exited with `status`, but a process it
    /// started keeps its output open: both are stopped.
    fn exited_leaving(&mut self, status: std::process::ExitStatus) -> String {
        let tail = self.process.take().map(|mut process| {
            stop(&mut process.child);
            Self::stderr_tail(&process)
        });
        format!(
            "operator {} exited with {status} instead of answering, and a process it started, which still \
             held its output open, was killed (stsim spoke protocol {} to it: docs/operator-protocol.md){}",
            self.name,
            self.protocol,
            tail.unwrap_or_default()
        )
    }

    /// Waits for the answer line, at most the timeout, noticing on the way
    /// the process stsim started exiting while its output stays open.
    fn wait_line(&mut self) -> Result<Line, NoLine> {
        let Some(process) = self.process.as_mut() else {
            return Err(NoLine::Closed);
        };
        let deadline = std::time::Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match process.lines.recv_timeout(left.min(EXIT_POLL)) {
                Ok(line) => return Ok(line),
                Err(RecvTimeoutError::Disconnected) => return Err(NoLine::Closed),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                // A line it wrote just before exiting may still be on its way.
                return match process.lines.recv_timeout(EXIT_GRACE) {
                    Ok(line) => Ok(line),
                    Err(RecvTimeoutError::Disconnected) => Err(NoLine::Closed),
                    Err(RecvTimeoutError::Timeout) => Err(NoLine::Exited(status)),
                };
            }
            if std::time::Instant::now() >= deadline {
                return Err(NoLine::Timeout);
            }
        }
    }

    fn exited(&mut self) -> String {
        let Some(mut process) = self.process.take() else {
            return format!("operator {} is not running", self.name);
        };
        // Its output closed: it is most likely exiting. A busy machine may
        // take a while to let it finish; one that lives on is killed, and
        // so is anything it started.
        let status = match process.child.wait_timeout(Duration::from_secs(5)) {
            Some(status) => format!("exited with {status}"),
            None => "closed its output".to_string(),
        };
        stop(&mut process.child);
        format!(
            "operator {} {status} instead of answering (stsim spoke protocol {} to it: docs/operator-protocol.md){}",
            self.name,
            self.protocol,
            Self::stderr_tail(&process)
        )
    }
}

/// `Child::wait` with a bound, by polling `try_wait`.
trait WaitTimeout {
    fn wait_timeout(&mut self, timeout: Duration) -> Option<std::process::ExitStatus>;
}

impl WaitTimeout for Child {
    fn wait_timeout(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let step = Duration::from_millis(10);
        let mut waited = Duration::ZERO;
        loop {
            if let Ok(Some(status)) = self.try_wait() {
                return Some(status);
            }
            if waited >= timeout {
                return None;
            }
            std::thread::sleep(step);
            waited += step;
        }
    }
}

impl Operator for ExternalOperator {
    fn name(&self) -> &str {
        &self.name
    }

    fn reconcile(&mut self, view: &View, events: &[WatchEvent]) -> Result<Reconciled, String> {
        if self.process.is_none() {
            self.spawn()?;
        }
        let seq = self.process.as_ref().map_or(0, |p| p.sent) + 1;
        let mut line = self.request(seq, view, events)?;
        line.push('\n');
        let Some(process) = self.process.as_mut() else {
            return Err(format!("operator {} is not running", self.name));
        };
        // Nothing is read here before the request is written: whether a
        // line the process wrote unasked has arrived by now is a race with
        // it. The next line in order is this request's answer, whenever it
        // came; one out of step is caught by its `seq`, or at the end
        // (`finish`), the same way on every run.
        process.sent = seq;
        if process.stdin.write_all(line.as_bytes()).and_then(|()| process.stdin.flush()).is_err() {
            return Err(self.exited());
        }
        match self.wait_line() {
            Ok(Line::Text(answer)) => {
                let Answer(parsed) = serde_json::from_str::<Answer>(&answer).map_err(|e| {
                    format!(
                        "operator {} answered with something that is not the protocol: {e}\n    it said: {}\n    \
                         expected one line like {} (protocol {}: docs/operator-protocol.md)",
                        self.name,
                        shorten(&answer),
                        example_answer(self.protocol),
                        self.protocol,
                    )
                })?;
                if let Some(echoed) = parsed.seq.filter(|s| *s != seq) {
                    let before = self.process.as_ref().and_then(|p| p.last_answer.clone());
                    self.kill();
                    let before = before
                        .map(|b| format!(" (the line taken as the answer to request {}: {b})", seq - 1))
                        .unwrap_or_default();
                    return Err(format!(
                        "operator {}'s answer to request {seq} carries \"seq\": {echoed}: its answers are out of step \
                         with the requests. The protocol is exactly one line per request, in order, so a line it wrote \
                         unasked (a startup or log line on standard output, or a second line for one request) was taken \
                         as the answer to an earlier request{before}. Write logs to standard error\n    it said: {}",
                        self.name,
                        shorten(&answer)
                    ));
                }
                if let Some(process) = self.process.as_mut() {
                    process.last_answer = Some(shorten(&answer));
                }
                Ok(Reconciled { actions: parsed.actions, requeue_after_ms: parsed.requeue_after_ms })
            }
            Ok(Line::TooLong) => {
                self.kill();
                Err(format!(
                    "operator {} wrote an answer longer than {MAX_ANSWER_BYTES} bytes (or output with no newline) \
                     and was stopped",
                    self.name
                ))
            }
            Ok(Line::NotUtf8) => {
                self.kill();
                Err(format!("operator {} answered with a line that is not UTF-8", self.name))
            }
            Ok(Line::Failed) | Err(NoLine::Closed) => Err(self.exited()),
            Err(NoLine::Exited(status)) => Err(self.exited_leaving(status)),
            Err(NoLine::Timeout) => {
                // Killed first, with all it started, so that its stderr ends and is read whole.
                let tail = self.process.take().map(|mut process| {
                    stop(&mut process.child);
                    Self::stderr_tail(&process)
                });
                let tail = tail.unwrap_or_default();
                Err(format!(
                    "operator {} did not answer within {:?} and was killed{tail}\n    hint: an answer that is \
                     printed but not flushed never arrives: flush after each line (Python: print(..., flush=True))",
                    self.name, self.timeout,
                ))
            }
        }
    }

    fn restart(&mut self) {
        self.kill();
        // The next reconcile starts a fresh process.
    }

    /// The run ended: stdin is closed, and the output read to its end (the
    /// process exits on end of input), at most the timeout. Every line it
    /// wrote was asked for by then, so a line left over means its answers
    /// were out of step with the requests all along: an error, found the
    /// same way on every run, that names the line.
    fn finish(&mut self) -> Result<(), String> {
        let Some(Running { mut child, stdin, lines, sent, stderr: _, stderr_reader: _, last_answer: _ }) =
            self.process.take()
        else {
            return Ok(());
        };
        drop(stdin);
        // One wait: a line, the end of its output, or the timeout.
        let left_over = match lines.recv_timeout(self.timeout) {
            Ok(Line::Text(text)) => Some(shorten(&text)),
            Ok(Line::TooLong) => Some(format!("a line longer than {MAX_ANSWER_BYTES} bytes")),
            Ok(Line::NotUtf8) => Some("a line that is not UTF-8".to_string()),
            // A read error, the end of its output, or the timeout: no line left over.
            Ok(Line::Failed) | Err(_) => None,
        };
        stop(&mut child);
        match left_over {
            None => Ok(()),
            Some(line) => Err(format!(
                "operator {} wrote a line that answers no request: after its {sent} requests stsim closed its input, \
                 and its output still held {line}. The protocol is exactly one line per request, taken in order, so \
                 its answers were out of step with the requests: a line written unasked (a startup or log line on \
                 standard output, or a second line for one request) was taken as an answer, and every later answer \
                 as the answer to the request after its own. Write logs to standard error; an answer that echoes its \
                 request's \"seq\" has a line out of step caught where it happens",
                self.name
            )),
        }
    }
}

impl ExternalOperator {
    fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            stop(&mut process.child);
        }
    }
}

/// Kills the process and its whole process group (what it started, however
/// deep, unless it left the group), then reaps the process. The group is
/// signalled before the process is reaped here; where it was reaped already
/// (it had exited), its number stays taken while any member of its group
/// lives, and the group is signalled at once after.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(id) = i32::try_from(child.id()) {
        // No such group (all of it gone) is fine.
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(id), nix::sys::signal::Signal::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// An answer line: a [`Reconciled`], and the `seq` of the request it
/// answers if the operator echoes it (optional: it lets a line out of step
/// be caught where it happens). Read from a JSON object only (below).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerFields {
    #[serde(default)]
    actions: Vec<OperatorAction>,
    #[serde(default, alias = "requeueAfterMs")]
    requeue_after_ms: Option<u64>,
    #[serde(default)]
    seq: Option<u64>,
}

/// An answer, which must be a JSON object. A derived struct also reads a
/// JSON array as its fields in order (serde's `visit_seq`), so `[]` or
/// `[[...], 5000]` would pass as an answer; this reads a map or nothing.
struct Answer(AnswerFields);

impl<'de> serde::Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Answer, D::Error> {
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Answer;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(r#"an object {"actions": [...], "requeueAfterMs": ...}"#)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Answer, A::Error> {
                let fields =
                    serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(Answer(fields))
            }
        }
        deserializer.deserialize_map(Object)
    }
}

/// One answer line of the protocol spoken, for hints.
fn example_answer(protocol: u32) -> &'static str {
    if protocol >= 2 {
        r#"{"actions": [{"action": "Patch", "kind": "StatefulSet", "name": "web", "patch": {"spec": {"replicas": 2}}}], "requeueAfterMs": 30000}"#
    } else {
        r#"{"actions": [{"action": "DeletePvc", "name": "data-redis-2"}], "requeue_after_ms": null}"#
    }
}

/// At most 200 characters of what an operator said, safe to print.
fn shorten(text: &str) -> String {
    let mut shown: String = text.chars().take(200).collect();
    if shown.len() < text.len() {
        shown.push_str(&format!("... ({} bytes in all)", text.len()));
    }
    crate::input::escape(&shown)
}

impl Drop for ExternalOperator {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            // Closing stdin asks it to exit; it gets a moment, then it and
            // whatever it started (a helper it forked) are killed.
            drop(process.stdin);
            let _ = process.child.wait_timeout(Duration::from_millis(200));
            stop(&mut process.child);
        }
    }
}
