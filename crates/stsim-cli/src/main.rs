//! The `stsim` binary: see `stsim --help`.

/// mimalloc: a run makes and drops many small objects (names, trace
/// records, rows); measured on the 1,000-node month, it runs fewer
/// instructions than the system allocator and scales with threads in sweeps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    // Neither stream is locked for the whole run: the sweep's progress bar
    // writes to stderr from another thread, and reading a scenario from
    // standard input (`stsim run -`) locks stdin again.
    let mut stderr = std::io::stderr();
    let mut stdin = std::io::BufReader::new(std::io::stdin());
    let color = stsim_cli::color_wanted();
    let status = stsim_cli::run_full(&args, &mut stdin, &mut stdout.lock(), &mut stderr, color);
    std::process::exit(status as i32);
}
