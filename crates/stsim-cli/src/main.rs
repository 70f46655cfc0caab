//! The `stsim` binary: see `stsim --help`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    // Not `stdin().lock()`: `-` reads standard input through `stdin()` again,
    // and a held lock would deadlock it. `Stdin` locks per read.
    let mut stdin = std::io::BufReader::new(std::io::stdin());
    let color = stsim_cli::color_wanted();
    let status = stsim_cli::run_full(&args, &mut stdin, &mut stdout.lock(), &mut stderr.lock(), color);
    std::process::exit(status as i32);
}
