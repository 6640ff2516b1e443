//! `cargo xtask serve | test | bench`: the project's two README commands (and the
//! benchmarks), each installing whatever tool is missing before it runs.

mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <serve | test | bench>

  serve   install what is missing, build the app, serve it on http://127.0.0.1:8080
  test    install what is missing, then run every test (native, WebAssembly build, browser)
  bench   engine events per second natively and in WebAssembly, and animation frame rate";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&root),
        Some("test") => test(&root),
        Some("bench") => bench(&root),
        Some("-h") | Some("--help") | Some("help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or missing command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

fn serve(root: &Path) -> Result<(), String> {
    let tools = tools::ensure_build_tools(root)?;
    println!("xtask: building and serving Scale Lab at http://127.0.0.1:8080 (Ctrl+C stops it)");
    let status = tools::trunk(root, &tools)
        .args([
            "serve",
            "--release",
            "--offline",
            "--address",
            "127.0.0.1",
            "--port",
            "8080",
            "--open=false",
            // A dist of its own: trunk serve injects its live-reload script, which
            // must not end up in the dist/ the browser tests load.
            "--dist",
            "target/serve-dist",
        ])
        .status()
        .map_err(|e| format!("could not start trunk: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("trunk serve exited with {status}"))
    }
}

/// One named step of `cargo xtask test`, with its outcome and duration.
struct Stage {
    name: &'static str,
    ok: bool,
    seconds: f64,
    note: String,
}

fn test(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let tools = tools::ensure_build_tools(root)?;
    let chromium = tools::ensure_chromium()?;
    let mut stages: Vec<Stage> = Vec::new();

    let cargo = || {
        let mut c = Command::new(env_or("CARGO", "cargo"));
        c.current_dir(root);
        c
    };
    run_stage(
        &mut stages,
        "format",
        cargo().args(["fmt", "--all", "--check"]),
    );
    run_stage(
        &mut stages,
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    );
    run_stage(
        &mut stages,
        "native tests",
        cargo().args(["test", "--workspace"]),
    );
    run_stage_tries(
        &mut stages,
        "wasm release build",
        &mut wasm_build(root, &tools),
        WASM_BUILD_TRIES,
    );
    if let Some(stage) = stages.last_mut() {
        if stage.ok {
            let sizes = match tools::wasm_gzip_sizes(root) {
                Ok(files) => files
                    .iter()
                    .map(|(name, raw, gz)| format!("{name}: {raw} bytes, {gz} bytes gzipped"))
                    .collect::<Vec<_>>()
                    .join("; "),
                Err(e) => e,
            };
            // After what `run_stage_tries` noted (a second try), if anything.
            stage.note = [stage.note.as_str(), sizes.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            // The page leaves Rust's float formatting and reading to its own helpers
            // and the browser; a change that brings them back fails the build here.
            let tables = tools::page_wasm(root).and_then(|p| {
                std::fs::read(&p)
                    .map(|w| tools::float_tables_in(&w))
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))
            });
            if let Err(e) = &tables {
                stage.ok = false;
                stage.note = format!("the page's WebAssembly could not be checked: {e}");
            }
            let tables = tables.unwrap_or_default();
            if !tables.is_empty() {
                stage.ok = false;
                stage.note = format!(
                    "the page's WebAssembly carries Rust's {}: write numbers with \
                     scalelab_engine::format::fixed or trimmed, or view_util::plain, and read \
                     them with view_util::parse_number. {}",
                    tables.join(" and "),
                    stage.note
                );
            }
        }
    }
    let build_ok = stages.last().is_some_and(|s| s.ok);
    if build_ok {
        run_stage(&mut stages, "benchmark files", &mut bench_files(root));
    }
    let build_ok = stages.last().is_some_and(|s| s.ok);
    if build_ok {
        let mut node = tools::node_e2e(root, &chromium);
        node.args(["--test", "--test-concurrency=1", "tests/"]);
        run_stage(&mut stages, "browser tests", &mut node);
    } else {
        stages.push(Stage {
            name: "browser tests",
            ok: false,
            seconds: 0.0,
            note: "skipped: the WebAssembly build failed".into(),
        });
    }

    println!();
    println!("xtask test summary");
    for s in &stages {
        let mark = if s.ok { "ok  " } else { "FAIL" };
        let note = if s.note.is_empty() {
            String::new()
        } else {
            format!(" — {}", s.note)
        };
        println!("  {mark} {:<20} {:>7.1}s{note}", s.name, s.seconds);
    }
    let failed = stages.iter().filter(|s| !s.ok).count();
    println!(
        "  total {:.1}s; {} stages passed, {} failed",
        started.elapsed().as_secs_f64(),
        stages.len() - failed,
        failed
    );
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} test stage(s) failed"))
    }
}

fn run_stage(stages: &mut Vec<Stage>, name: &'static str, cmd: &mut Command) {
    run_stage_tries(stages, name, cmd, 1);
}

/// The release WebAssembly build.
fn wasm_build(root: &Path, tools: &tools::Tools) -> Command {
    let mut cmd = tools::trunk(root, tools);
    cmd.args(["build", "--release", "--offline"]);
    cmd
}

/// The release WebAssembly build is tried twice: wasm-opt 132 has been seen to crash
/// (SIGSEGV) on a module it optimised fine the next time. A real build error fails
/// twice, the second time quickly (cargo keeps what it compiled).
const WASM_BUILD_TRIES: u32 = 2;

/// Runs `cmd` until it succeeds, at most `tries` times (at least once): the try that
/// passed, `None` if none did, or why it could not be started.
fn run_tries(cmd: &mut Command, name: &str, tries: u32) -> Result<Option<u32>, String> {
    for attempt in 1..=tries.max(1) {
        let status = cmd
            .status()
            .map_err(|e| format!("could not start {name}: {e}"))?;
        if status.success() {
            return Ok(Some(attempt));
        }
        if attempt < tries {
            eprintln!("xtask: {name} failed; trying once more");
        }
    }
    Ok(None)
}

/// What to say of a command that passed on try `attempt` of `tries`: nothing on the
/// first.
fn retry_note(attempt: u32, tries: u32) -> String {
    if attempt == 1 {
        String::new()
    } else {
        format!("passed on try {attempt} of {tries}")
    }
}

fn run_stage_tries(stages: &mut Vec<Stage>, name: &'static str, cmd: &mut Command, tries: u32) {
    println!("\n=== xtask: {name} ===");
    let start = Instant::now();
    let (ok, note) = match run_tries(cmd, name, tries) {
        Ok(Some(attempt)) => (true, retry_note(attempt, tries)),
        Ok(None) => (false, String::new()),
        Err(e) => {
            eprintln!("xtask: {e}");
            (false, String::new())
        }
    };
    stages.push(Stage {
        name,
        ok,
        seconds: start.elapsed().as_secs_f64(),
        note,
    });
}

fn bench(root: &Path) -> Result<(), String> {
    let tools = tools::ensure_build_tools(root)?;
    let chromium = tools::ensure_chromium()?;
    // Best of three, as the browser side does: the machine may be busy with other work.
    println!("=== native engine benchmark (best of 3) ===");
    let mut native_out = String::new();
    let mut best = 0.0;
    for _ in 0..3 {
        let run = Command::new(env_or("CARGO", "cargo"))
            .current_dir(root)
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "scalelab-cli",
                "--",
                "bench",
            ])
            .output()
            .map_err(|e| format!("could not run the native benchmark: {e}"))?;
        if !run.status.success() {
            return Err(format!(
                "native benchmark failed: {}",
                String::from_utf8_lossy(&run.stderr)
            ));
        }
        let out = String::from_utf8_lossy(&run.stdout).to_string();
        let rate = events_per_second(&out).unwrap_or(0.0);
        println!("run: {rate:.0} events/s");
        if rate > best {
            best = rate;
            native_out = out;
        }
    }
    print!("{native_out}");
    println!("\n=== WebAssembly build ===");
    let name = "the release WebAssembly build";
    match run_tries(&mut wasm_build(root, &tools), name, WASM_BUILD_TRIES)? {
        None => return Err(format!("{name} failed")),
        Some(1) => {}
        Some(attempt) => println!("{name} {}", retry_note(attempt, WASM_BUILD_TRIES)),
    }
    if !bench_files(root).status().is_ok_and(|s| s.success()) {
        return Err("could not write the benchmark files".into());
    }
    println!("\n=== browser benchmarks (headless Chromium) ===");
    let mut node = tools::node_e2e(root, &chromium);
    node.args(["bench.mjs"]);
    node.env("NATIVE_BENCH_OUTPUT", native_out.trim());
    let status = node
        .status()
        .map_err(|e| format!("could not start node: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("the browser benchmark failed".into())
    }
}

/// Writes the browser benchmarks' diagrams and scenarios into `dist/bench`, where the
/// `?bench=` pages load them.
fn bench_files(root: &Path) -> Command {
    let mut c = Command::new(env_or("CARGO", "cargo"));
    c.current_dir(root).args([
        "run",
        "--quiet",
        "-p",
        "scalelab-cli",
        "--",
        "bench-files",
        "dist/bench",
    ]);
    c
}

/// The figure the CLI's `bench` prints as `events per second: N`.
fn events_per_second(output: &str) -> Option<f64> {
    output
        .lines()
        .find_map(|l| l.strip_prefix("events per second:"))
        .and_then(|v| v.trim().parse().ok())
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_string())
}

#[cfg(test)]
mod tests {
    use super::{events_per_second, run_stage_tries};
    use std::process::Command;

    #[test]
    fn a_stage_that_fails_once_passes_when_it_may_try_again() {
        let marker = std::env::temp_dir().join(format!("xtask-retry-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        // Fails the first time (leaving the marker), passes the second.
        let flaky = || {
            let mut cmd = Command::new("sh");
            cmd.args(["-c", r#"test -f "$0" || { touch "$0"; exit 1; }"#])
                .arg(&marker);
            cmd
        };
        let mut stages = Vec::new();
        run_stage_tries(&mut stages, "once", &mut flaky(), 1);
        assert!(!stages[0].ok);
        std::fs::remove_file(&marker).unwrap();
        run_stage_tries(&mut stages, "twice", &mut flaky(), 2);
        assert!(stages[1].ok);
        assert_eq!(
            stages[1].note, "passed on try 2 of 2",
            "a second try is reported"
        );
        std::fs::remove_file(&marker).unwrap();
        // A stage that always fails still fails.
        run_stage_tries(&mut stages, "never", Command::new("false").arg("x"), 2);
        assert!(!stages[2].ok);
    }

    #[test]
    fn reads_the_rate_the_cli_bench_prints() {
        let out = "simulated seconds: 20\nevents: 11065585\nevents per second: 10352465\n";
        assert_eq!(events_per_second(out), Some(10_352_465.0));
        assert_eq!(events_per_second("no figure here"), None);
    }
}
