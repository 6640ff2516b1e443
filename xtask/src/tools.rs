//! Finding and installing the tools the build and the browser tests need, idempotently:
//! each check is a quick version probe, and an install runs only when it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The trunk release this project builds with (0.22 needs a newer rustc).
const TRUNK_VERSION: &str = "0.21.14";
/// The wasm-opt release pinned in `Trunk.toml` and shipped by the npm package `binaryen`.
const WASM_OPT_VERSION: &str = "132";
/// Debian's Chromium, driven by playwright-core.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Where the installed tools live, so commands can put them on `PATH`.
pub struct Tools {
    /// `e2e/node_modules/.bin`, which holds wasm-opt from the npm package `binaryen`.
    node_bin: PathBuf,
}

/// Installs the wasm32 target, trunk, wasm-bindgen-cli and the npm packages of `e2e/`.
pub fn ensure_build_tools(root: &Path) -> Result<Tools, String> {
    ensure_wasm_target()?;
    ensure_cargo_tool(
        "trunk",
        &format!("trunk {TRUNK_VERSION}"),
        &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
    )?;
    let bindgen = wasm_bindgen_version(root)?;
    check_trunk_pins(root, &bindgen)?;
    // `--locked` fails for wasm-bindgen-cli on this toolchain, so it is left out.
    ensure_cargo_tool(
        "wasm-bindgen",
        &format!("wasm-bindgen {bindgen}"),
        &["install", "wasm-bindgen-cli", "--version", &bindgen],
    )?;
    let tools = ensure_npm_packages(root)?;
    let wasm_opt = tools.node_bin.join("wasm-opt");
    let version = output_of(Command::new(&wasm_opt).arg("--version")).unwrap_or_default();
    if !version.contains(&format!("version {WASM_OPT_VERSION}")) {
        return Err(format!(
            "{} reports {version:?}, expected wasm-opt version {WASM_OPT_VERSION}; \
             check the binaryen entry in e2e/package.json",
            wasm_opt.display()
        ));
    }
    Ok(tools)
}

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output_of(Command::new("rustup").args(["target", "list", "--installed"]))
        .map_err(|e| format!("rustup is needed to add the wasm32 target: {e}"))?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    println!("xtask: adding the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Runs `cargo install` unless `binary --version` already prints `expected`.
fn ensure_cargo_tool(binary: &str, expected: &str, install_args: &[&str]) -> Result<(), String> {
    let current = output_of(Command::new(binary).arg("--version")).unwrap_or_default();
    if current.trim() == expected {
        return Ok(());
    }
    println!(
        "xtask: installing {expected} (found {:?}); this takes a few minutes once",
        current.trim()
    );
    run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args(install_args))
}

/// The `wasm-bindgen` version recorded in `Cargo.lock`; the CLI must match it exactly.
pub fn wasm_bindgen_version(root: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    locked_version(&lock, "wasm-bindgen")
        .ok_or_else(|| "Cargo.lock has no wasm-bindgen package".to_string())
}

/// Finds `version = "..."` right after `name = "<name>"` in a Cargo.lock text.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let header = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == header {
            let version = lines.next()?.trim();
            return version
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_string);
        }
    }
    None
}

/// `Trunk.toml` must pin the same wasm-bindgen as `Cargo.lock`, or trunk would try to
/// download another one.
fn check_trunk_pins(root: &Path, bindgen: &str) -> Result<(), String> {
    let trunk = std::fs::read_to_string(root.join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    let wanted = format!("wasm_bindgen = \"{bindgen}\"");
    if !trunk.lines().any(|l| l.trim() == wanted) {
        return Err(format!(
            "Trunk.toml must pin `{wanted}` under [tools] to match Cargo.lock"
        ));
    }
    Ok(())
}

/// `npm ci` in `e2e/` unless `node_modules` was installed from this very lock file
/// (a copy of it is kept beside the packages after each install).
fn ensure_npm_packages(root: &Path) -> Result<Tools, String> {
    let e2e = root.join("e2e");
    let lock = std::fs::read(e2e.join("package-lock.json"))
        .map_err(|e| format!("cannot read e2e/package-lock.json: {e}"))?;
    let stamp = e2e.join("node_modules/.scalelab-installed-lock.json");
    let node_bin = e2e.join("node_modules/.bin");
    let current = std::fs::read(&stamp).is_ok_and(|installed| installed == lock);
    if !current || !node_bin.join("wasm-opt").exists() {
        println!("xtask: installing the npm packages of e2e/ (npm ci)");
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e))?;
        std::fs::write(&stamp, &lock)
            .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    Ok(Tools { node_bin })
}

/// Debian's Chromium: installed through apt-get when missing and running as root.
pub fn ensure_chromium() -> Result<PathBuf, String> {
    let path = PathBuf::from(CHROMIUM);
    if path.exists() {
        return Ok(path);
    }
    let is_root = output_of(Command::new("id").arg("-u")).is_ok_and(|u| u.trim() == "0");
    if !is_root {
        return Err(format!(
            "{CHROMIUM} is missing; install it with `sudo apt-get update && sudo apt-get install -y chromium`"
        ));
    }
    println!("xtask: installing Chromium from Debian (apt-get)");
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium"]))?;
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("apt-get finished but {CHROMIUM} is still missing"))
    }
}

/// A `trunk` command run in the project root with wasm-opt from npm on `PATH`.
pub fn trunk(root: &Path, tools: &Tools) -> Command {
    let mut cmd = Command::new("trunk");
    cmd.current_dir(root)
        .env("PATH", path_with(&tools.node_bin));
    // Trunk reads these too; stray values from a parent shell would change the build.
    cmd.env_remove("TRUNK_SERVE_PORT");
    cmd
}

/// A `node` command run in `e2e/` that knows where the app and Chromium are.
pub fn node_e2e(root: &Path, chromium: &Path) -> Command {
    let mut cmd = Command::new("node");
    cmd.current_dir(root.join("e2e"))
        .env("SCALELAB_DIST", root.join("dist"))
        .env("CHROMIUM_PATH", chromium);
    cmd
}

/// Every `.wasm` of `dist/` (the app's first, then the files module loaded on demand)
/// with its raw and gzipped sizes.
pub fn wasm_gzip_sizes(root: &Path) -> Result<Vec<(String, u64, u64)>, String> {
    let wasm = dist_wasm(root)?;
    wasm.iter()
        .map(|p| {
            let raw = std::fs::metadata(p).map_err(|e| e.to_string())?.len();
            let gz = Command::new("gzip")
                .args(["-9", "-c"])
                .arg(p)
                .output()
                .map_err(|e| format!("gzip: {e}"))?
                .stdout
                .len() as u64;
            Ok((name(p), raw, gz))
        })
        .collect()
}

/// Tables of Rust's own float formatting (Grisu's cached powers of ten) and float
/// reading (the 128-bit powers of five), each known by its first entry: the page keeps
/// both out (ARCHITECTURE.md, "Bundle size"), and this is how a change that brings them
/// back is caught. Each entry is kept as its two halves (high, low) and put together
/// only when searched for, so that no program carrying this list carries the entries'
/// bytes themselves (the test searches its own program).
const FLOAT_TABLES: [(&str, [u32; 2]); 2] = [
    (
        "float formatting (`{}` or `{:.N}` of an f64)",
        [0xe61a_cf03, 0x3d1a_45df],
    ),
    (
        "float reading (`str::parse::<f64>`)",
        [0xeef4_53d6, 0x923b_d65a],
    ),
];

/// Which of Rust's float tables `wasm` carries.
pub fn float_tables_in(wasm: &[u8]) -> Vec<&'static str> {
    FLOAT_TABLES
        .iter()
        .filter(|(_, [high, low])| {
            let first = std::hint::black_box(u64::from(*high) << 32 | u64::from(*low));
            let bytes = first.to_le_bytes();
            wasm.windows(8).any(|w| w == bytes)
        })
        .map(|(what, _)| *what)
        .collect()
}

/// The `.wasm` files trunk wrote to `dist/`: the page's first, then the files module.
fn dist_wasm(root: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let dist = root.join("dist");
    let entries = std::fs::read_dir(&dist).map_err(|e| format!("cannot list dist/: {e}"))?;
    let mut wasm: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    wasm.sort_by_key(|p| (is_files_module(p), name(p)));
    match wasm.first() {
        Some(page) if !is_files_module(page) => Ok(wasm),
        _ => Err("dist/ holds no .wasm file of the page".into()),
    }
}

fn name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn is_files_module(p: &Path) -> bool {
    name(p).contains("files")
}

/// The page's module in `dist/` (the one that is not the files module).
pub fn page_wasm(root: &Path) -> Result<std::path::PathBuf, String> {
    Ok(dist_wasm(root)?.swap_remove(0))
}

fn path_with(dir: &Path) -> String {
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", dir.display())
}

fn output_of(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rusts_float_tables_are_recognised() {
        // This test program formats and reads a float, so it carries both of Rust's
        // tables (little-endian, like WebAssembly): the check must find them in it.
        let shown = format!("{}", std::hint::black_box(1.5f64));
        let read: f64 = std::hint::black_box("2.5").parse().unwrap();
        assert_eq!((shown.as_str(), read), ("1.5", 2.5));
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let found = float_tables_in(&exe);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("formatting") && found[1].contains("reading"));
        assert!(float_tables_in(&[0u8; 64]).is_empty());
    }

    #[test]
    fn the_page_module_is_found_and_its_absence_is_an_error() {
        let root = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        let dist = root.join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("scalelab-files-1_bg.wasm"), b"f").unwrap();
        assert!(page_wasm(&root)
            .unwrap_err()
            .contains("no .wasm file of the page"));
        std::fs::write(dist.join("scalelab-2_bg.wasm"), b"p").unwrap();
        assert_eq!(page_wasm(&root).unwrap(), dist.join("scalelab-2_bg.wasm"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn finds_the_locked_version_of_a_package() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"9.9.9\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "leptos"), None);
    }

    #[test]
    fn trunk_toml_pins_the_locked_wasm_bindgen() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let version = wasm_bindgen_version(root).unwrap();
        check_trunk_pins(root, &version).unwrap();
        assert!(check_trunk_pins(root, "0.0.0-not-a-version").is_err());
    }
}
