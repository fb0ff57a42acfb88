//! Embeds GraphiQL's browser files in the binary, so `cargo run` alone
//! serves a working GraphiQL and a copied binary still does (no CDN: public
//! CDNs are often blocked in mainland China).
//!
//! The files come from the npm packages pinned by
//! `scripts/graphiql/package-lock.json` (integrity-checked by `npm ci`),
//! installed once per build profile into `OUT_DIR`, then `include_bytes!`d.
//! When npm is missing, unreachable or refused
//! (`MEDEXCHANGE_BUILD_WITHOUT_GRAPHIQL=1`), the build still succeeds: the
//! binary carries no GraphiQL, and its page says why and how to get it.
//! Licences (all MIT) are embedded beside the files and served with them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The files the page needs: (URL name, path under `node_modules`, type).
const FILES: &[(&str, &str, &str)] = &[
    (
        "graphiql.min.js",
        "graphiql/graphiql.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "graphiql.min.css",
        "graphiql/graphiql.min.css",
        "text/css; charset=utf-8",
    ),
    (
        "react.production.min.js",
        "react/umd/react.production.min.js",
        "text/javascript; charset=utf-8",
    ),
    (
        "react-dom.production.min.js",
        "react-dom/umd/react-dom.production.min.js",
        "text/javascript; charset=utf-8",
    ),
];

/// The packages whose licences ship with the files.
const LICENSED: &[&str] = &["graphiql", "react", "react-dom"];

/// Longest the npm install may take before the build goes on without it.
const NPM_DEADLINE: Duration = Duration::from_secs(300);

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=scripts/graphiql/package.json");
    println!("cargo:rerun-if-changed=scripts/graphiql/package-lock.json");
    println!("cargo:rerun-if-env-changed=MEDEXCHANGE_BUILD_WITHOUT_GRAPHIQL");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = match install(&out.join("graphiql")) {
        Ok(modules) => embedded(&modules),
        Err(reason) => {
            println!("cargo:warning=GraphiQL is not embedded: {reason}");
            missing(&reason)
        }
    };
    std::fs::write(out.join("graphiql_assets.rs"), code).expect("write graphiql_assets.rs");
}

/// Installs the pinned packages (without dev dependencies) and returns their
/// `node_modules`, or why it could not.
fn install(dir: &Path) -> Result<PathBuf, String> {
    if std::env::var_os("MEDEXCHANGE_BUILD_WITHOUT_GRAPHIQL").is_some_and(|v| v != "0") {
        return Err("MEDEXCHANGE_BUILD_WITHOUT_GRAPHIQL is set".to_owned());
    }
    let modules = dir.join("node_modules");
    if FILES
        .iter()
        .all(|(_, path, _)| modules.join(path).is_file())
        && up_to_date(dir)
    {
        return Ok(modules);
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(source_dir().join(file), dir.join(file))
            .map_err(|e| format!("scripts/graphiql/{file}: {e}"))?;
    }
    let mut npm = Command::new("npm")
        .args(["ci", "--omit=dev", "--ignore-scripts", "--prefer-offline"])
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("npm could not be run ({e}); install Node.js and npm"))?;
    let started = Instant::now();
    let status = loop {
        match npm.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > NPM_DEADLINE => {
                let _ = npm.kill();
                return Err(format!("npm ci took longer than {NPM_DEADLINE:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("npm ci: {e}")),
        }
    };
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = npm.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("npm ci failed ({status}): {first}"));
    }
    match FILES
        .iter()
        .find(|(_, path, _)| !modules.join(path).is_file())
    {
        Some((_, path, _)) => Err(format!("npm ci did not install {path}")),
        None => Ok(modules),
    }
}

/// Whether the install in `dir` was made from the current lock file.
fn up_to_date(dir: &Path) -> bool {
    let installed = std::fs::read(dir.join("package-lock.json")).ok();
    installed.is_some() && installed == std::fs::read(source_dir().join("package-lock.json")).ok()
}

/// `scripts/graphiql` of this package.
fn source_dir() -> PathBuf {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    Path::new(&root).join("scripts/graphiql")
}

/// The generated module when the files are there.
fn embedded(modules: &Path) -> String {
    let mut code = String::from("/// GraphiQL's files: (URL name, bytes, content type).\n");
    code.push_str("pub const FILES: &[(&str, &[u8], &str)] = &[\n");
    for (name, path, content_type) in FILES {
        let path = modules.join(path);
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?}), {content_type:?}),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n/// The licences of the packages the files come from.\n");
    code.push_str("pub const LICENSES: &[(&str, &str)] = &[\n");
    for package in LICENSED {
        let path = modules.join(package).join("LICENSE");
        code.push_str(&format!(
            "    ({package:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n/// Why the files are missing (empty when they are there).\n");
    code.push_str("pub const UNAVAILABLE: &str = \"\";\n");
    code
}

/// The generated module when the files could not be had.
fn missing(reason: &str) -> String {
    format!(
        "/// GraphiQL's files: none in this build.\n\
         pub const FILES: &[(&str, &[u8], &str)] = &[];\n\
         /// The licences of the packages the files come from.\n\
         pub const LICENSES: &[(&str, &str)] = &[];\n\
         /// Why the files are missing.\n\
         pub const UNAVAILABLE: &str = {reason:?};\n"
    )
}
