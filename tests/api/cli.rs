//! The `medexchange` binary's commands, run as a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output};
use std::time::Duration;

fn medexchange(args: &[&str], database: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medexchange"))
        .args(args)
        .env("DATABASE_URL", database)
        .env("MEDEXCHANGE_LOG", "warn")
        .output()
        .expect("run medexchange")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("medexchange_cli_{}_{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn schema_prints_the_committed_sdl() {
    let output = medexchange(&["schema"], "sqlite://unused.db");
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);
}

#[test]
fn import_then_export_then_import_again_gives_the_same_file() {
    let dir = scratch("roundtrip");
    let first = format!("sqlite://{}", dir.join("first.db").display());
    let second = format!("sqlite://{}", dir.join("second.db").display());
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/data/fy2020.yaml");
    let exported = dir.join("exported.yaml");
    let again = dir.join("again.yaml");
    assert!(medexchange(&["import", bundled], &first).status.success());
    assert!(
        medexchange(&["import", bundled], &first).status.success(),
        "a second import is a no-op"
    );
    assert!(
        medexchange(&["export", "-o", exported.to_str().unwrap()], &first)
            .status
            .success()
    );
    assert!(
        medexchange(&["import", exported.to_str().unwrap()], &second)
            .status
            .success()
    );
    assert!(
        medexchange(&["export", "-o", again.to_str().unwrap()], &second)
            .status
            .success()
    );
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap(),
        std::fs::read_to_string(&again).unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_file_is_refused_with_its_place_and_nothing_is_created() {
    let dir = scratch("badfile");
    let file = dir.join("bad.yaml");
    std::fs::write(&file, "exchanges:\n  - slug: ok-slug\n    date: 2020-06\n    format: BY_PIGEON\n    title: {zh: x}\n    participants: [a]\n").unwrap();
    let database = dir.join("never.db");
    let output = medexchange(
        &["import", file.to_str().unwrap()],
        &format!("sqlite://{}", database.display()),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.yaml") && stderr.contains("BY_PIGEON") && stderr.contains("line 4"),
        "{stderr}"
    );
    assert!(
        !database.exists(),
        "a refused file must not touch the database"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_setting_stops_the_program_and_names_the_setting() {
    for (args, named) in [
        (
            vec!["serve", "--default-language", "fr"],
            "--default-language",
        ),
        (vec!["serve", "--listen", "not-an-address"], "--listen"),
        (
            vec!["--db-max-connections", "0", "migrate"],
            "--db-max-connections",
        ),
        (vec!["generate", "--exchanges", "0"], "--exchanges"),
    ] {
        let output = medexchange(&args, "sqlite://unused.db");
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
    let output = medexchange(&["migrate"], "mysql://nope");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--database-url"));
}

#[test]
fn an_unreachable_database_fails_at_once_naming_where_and_why() {
    let started = std::time::Instant::now();
    let output = medexchange(&["migrate"], "postgres://postgres@127.0.0.1:1/archive");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("PostgreSQL at 127.0.0.1:1") && stderr.contains("refused"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{stderr}"
    );
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        let nobody = url.replacen("://postgres@", "://nobody_medexchange@", 1);
        let output = medexchange(&["migrate"], &nobody);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("role \"nobody_medexchange\" does not exist")
                && !stderr.contains("at line"),
            "{stderr}"
        );
    }
}

#[test]
fn commands_end_with_a_summary_for_people_and_logs_have_no_colour_codes() {
    let dir = scratch("summary");
    let database = format!("sqlite://{}", dir.join("summary.db").display());
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/data/fy2020.yaml");
    let output = Command::new(env!("CARGO_BIN_EXE_medexchange"))
        .args(["--log", "info", "import", bundled])
        .env("DATABASE_URL", &database)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("9 exchanges, 14 institutions") && !stderr.contains("Summary {"),
        "{stderr}"
    );
    assert!(
        stderr.contains("INFO"),
        "some log lines were written: {stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "colour codes in a pipe: {stderr:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A fresh database holding the bundled report, and its footprint.
async fn bundled_database(
    engine: crate::helpers::Engine,
) -> (crate::helpers::ScratchDatabase, Vec<i64>) {
    let database = crate::helpers::ScratchDatabase::new(engine).await;
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/data/fy2020.yaml");
    assert!(
        medexchange(&["import", bundled], &database.url)
            .status
            .success()
    );
    let before = footprint(&database.url).await;
    (database, before)
}

/// Imports `file` into `database`, killed (SIGKILL) after `wait` when one
/// is given: how it ended on its own, or `None` when it was killed.
fn import_killed_after(file: &Path, database: &str, wait: Option<Duration>) -> Option<ExitStatus> {
    let mut import = Command::new(env!("CARGO_BIN_EXE_medexchange"))
        .args(["import", file.to_str().unwrap()])
        .env("DATABASE_URL", database)
        .env("MEDEXCHANGE_LOG", "warn")
        .spawn()
        .unwrap();
    let Some(wait) = wait else {
        return Some(import.wait().unwrap());
    };
    std::thread::sleep(wait);
    if let Some(status) = import.try_wait().unwrap() {
        return Some(status);
    }
    import.kill().unwrap(); // SIGKILL
    import.wait().unwrap();
    None
}

/// Counts that any part of an import would move: records, their history,
/// the search index and the data version.
async fn footprint(database: &str) -> Vec<i64> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(database).await.unwrap();
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM exchange",
        "SELECT COUNT(*) FROM photo",
        "SELECT COUNT(*) FROM change_log",
        "SELECT COUNT(*) FROM search_document",
        "SELECT MAX(version) FROM data_version",
    ] {
        let statement = Statement::from_string(db.get_database_backend(), sql);
        let row = db.query_one_raw(statement).await.unwrap().unwrap();
        counts.push(row.try_get_by_index::<i64>(0).unwrap());
    }
    let _ = db.close().await;
    counts
}

#[tokio::test]
async fn an_import_killed_mid_write_leaves_nothing_half_written() {
    let dir = scratch("killed");
    let source = format!("sqlite://{}", dir.join("source.db").display());
    let big = dir.join("big.yaml");
    assert!(
        medexchange(&["generate", "--exchanges", "400"], &source)
            .status
            .success()
    );
    let exported = medexchange(&["export", "-o", big.to_str().unwrap()], &source);
    assert!(exported.status.success());
    for engine in crate::helpers::engines() {
        // What the whole import leaves, for a kill that comes too late.
        let (reference, _) = bundled_database(engine).await;
        let ended = import_killed_after(&big, &reference.url, None);
        assert!(ended.is_some_and(|status| status.success()));
        let whole = footprint(&reference.url).await;
        // Killed after 1.5 s, else (when the import had already committed:
        // it ended, or was only closing its database) sooner, on a fresh
        // database each time.
        let mut killed_mid_write = None;
        for wait_ms in [1500, 1000, 600] {
            let (database, before) = bundled_database(engine).await;
            let wait = Duration::from_millis(wait_ms);
            let ended = import_killed_after(&big, &database.url, Some(wait));
            assert!(
                ended.is_none_or(|status| status.success()),
                "{engine:?}: the import failed"
            );
            let now = footprint(&database.url).await;
            if now == before {
                killed_mid_write = Some((database, before));
                break;
            }
            assert_eq!(
                now, whole,
                "{engine:?}: a killed import left part of its write"
            );
        }
        let Some((database, before)) = killed_mid_write else {
            panic!("{engine:?}: the import ended or committed before every kill");
        };

        assert!(
            medexchange(&["import", big.to_str().unwrap()], &database.url)
                .status
                .success()
        );
        let after = footprint(&database.url).await;
        assert_eq!(
            after[0],
            before[0] + 400,
            "{engine:?}: the import runs again whole"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// A dataset file naming image files beside it, as a year's scans are
/// imported.
const WITH_SCANS: &str = "\
institutions:
  - slug: kameda
    country: JP
    kind: HOSPITAL
    name: { ja: 亀田総合病院 }
    reading: { ja: かめだそうごうびょういん }
exchanges:
  - slug: 2020-06-scan-test
    date: 2020-06-01
    format: ONLINE
    title: { ja: スキャンの試験 }
    participants: [kameda]
    photos:
      - slug: scan-one
        caption: { ja: 一枚目 }
        image: scans/one.jpg
      - slug: scan-two
        caption: { ja: 二枚目 }
        image: scans/two.png
        credit: The dataset's own credit
";

#[test]
fn a_year_of_scans_imports_in_one_go_and_exports_round_trip_them() {
    let dir = scratch("scans");
    let images = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images");
    std::fs::create_dir_all(dir.join("scans")).unwrap();
    std::fs::copy(
        format!("{images}/exif-rotated.jpg"),
        dir.join("scans/one.jpg"),
    )
    .unwrap();
    std::fs::copy(format!("{images}/alpha.png"), dir.join("scans/two.png")).unwrap();
    std::fs::write(dir.join("year.yaml"), WITH_SCANS).unwrap();
    let first = format!("sqlite://{}", dir.join("first.db").display());
    let imported = medexchange(&["import", dir.join("year.yaml").to_str().unwrap()], &first);
    let said = String::from_utf8_lossy(&imported.stderr).into_owned();
    assert!(imported.status.success(), "{said}");
    assert!(said.contains("; 2 image files stored"), "{said}");
    assert!(
        dir.join("first-media/originals").is_dir(),
        "the store beside the database"
    );

    let exported = dir.join("out/archive.yaml");
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let output = medexchange(&["export", "-o", exported.to_str().unwrap()], &first);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("image: archive-media/"), "{text}");
    assert!(
        text.contains("credit: Tokyo Centre Photographer"),
        "the EXIF Artist"
    );
    assert!(text.contains("credit: The dataset's own credit"));
    assert_eq!(
        std::fs::read_dir(dir.join("out/archive-media"))
            .unwrap()
            .count(),
        2
    );

    let second = format!("sqlite://{}", dir.join("second.db").display());
    let output = medexchange(&["import", exported.to_str().unwrap()], &second);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let again = dir.join("again.yaml");
    let output = medexchange(&["export", "-o", again.to_str().unwrap()], &second);
    assert!(output.status.success());
    let again = std::fs::read_to_string(&again).unwrap();
    assert_eq!(
        again.replace("again-media/", "archive-media/"),
        text,
        "the same images, by the same hashes"
    );
}

#[test]
fn media_add_attaches_a_file_and_a_bad_one_is_refused_with_its_name() {
    let dir = scratch("media_add");
    let database = format!("sqlite://{}", dir.join("m.db").display());
    let images = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images");
    assert!(medexchange(&["migrate"], &database).status.success());
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/data/fy2020.yaml");
    assert!(
        medexchange(&["import", bundled], &database)
            .status
            .success()
    );
    let exported = medexchange(&["export"], &database);
    let yaml = String::from_utf8(exported.stdout).unwrap();
    let slug = yaml
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("- slug: ")
                .filter(|s| s.contains("session"))
        })
        .expect("a photo slug")
        .to_owned();
    let gif = format!("{images}/tiny.gif");
    let refused = medexchange(&["media", "add", &slug, &gif], &database);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("tiny.gif") && said.contains("GIF"), "{said}");
    let jpeg = format!("{images}/exif-rotated.jpg");
    let added = medexchange(&["media", "add", &slug, &jpeg], &database);
    let said = String::from_utf8_lossy(&added.stderr);
    assert!(added.status.success(), "{said}");
    assert!(said.contains("80×120"), "{said}");
    let exported = medexchange(&["export"], &database);
    let yaml = String::from_utf8(exported.stdout).unwrap();
    assert!(
        yaml.contains("image: sha256:"),
        "on stdout images stay named by hash"
    );
    let unknown = medexchange(&["media", "add", "no-such-photo", &jpeg], &database);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no photo has this slug"));
}

/// Runs medexchange as a user without privileges (root may write where
/// nobody else may: as root, through `setpriv` as `nobody`) in `dir`.
fn unprivileged(args: &[&str], database: &str, dir: &std::path::Path) -> std::process::Output {
    let binary = env!("CARGO_BIN_EXE_medexchange");
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut command = match root {
        true => {
            let mut command = Command::new("setpriv");
            command.args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                binary,
            ]);
            command
        }
        false => Command::new(binary),
    };
    command
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", database)
        .env("MEDEXCHANGE_LOG", "warn")
        .output()
        .expect("run medexchange")
}

#[test]
fn a_database_that_cannot_be_written_is_named_by_its_absolute_path_with_what_to_do() {
    use std::os::unix::fs::PermissionsExt;
    let locked = scratch("read_only_directory");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    let said = |output: std::process::Output| {
        assert!(!output.status.success());
        String::from_utf8(output.stderr).unwrap()
    };
    let relative = said(unprivileged(
        &["migrate"],
        "sqlite://medexchange.db?mode=rwc",
        &locked,
    ));
    let absolute = locked.join("medexchange.db");
    assert!(
        relative.contains(&format!("SQLite writes {}", absolute.display()))
            && relative.contains("writable"),
        "{relative}"
    );
    let open = scratch("read_only_file");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let file = open.join("archive.db");
    std::fs::write(&file, b"").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let url = format!("sqlite://{}", file.display());
    let read_only = said(unprivileged(&["migrate"], &url, &open));
    assert!(
        read_only.contains(&format!("the SQLite file {} is read-only", file.display())),
        "{read_only}"
    );
    assert!(read_only.contains("chmod u+w"), "{read_only}");
    for dir in [&locked, &open] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn lock_files_beside_the_database_are_ignored_by_git() {
    for path in ["medexchange.db.lock", "data/archive.db.lock"] {
        let ignored = Command::new("git")
            .args(["check-ignore", "--no-index", path])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run git");
        assert!(
            ignored.status.success(),
            "{path} must be ignored (*.db.lock in .gitignore): {}",
            String::from_utf8_lossy(&ignored.stderr)
        );
    }
}

#[tokio::test]
async fn a_start_on_a_migrated_database_logs_no_already_exists_notices() {
    for engine in crate::helpers::engines() {
        let database = crate::helpers::ScratchDatabase::new(engine).await;
        for _ in 0..2 {
            let output = Command::new(env!("CARGO_BIN_EXE_medexchange"))
                .args(["--log", "info", "migrate"])
                .env("DATABASE_URL", &database.url)
                .output()
                .unwrap();
            assert!(output.status.success());
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert!(!stderr.contains("already exists"), "{engine:?}: {stderr}");
            assert!(stderr.contains("migrations"), "info is logged: {stderr}");
        }
    }
}
