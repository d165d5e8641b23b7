//! `scrub verify` and `scrub detect`, end to end through the built binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scrub(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scrub"));
    for a in args {
        cmd.arg(a);
    }
    cmd.env_remove("SCRUB_SEED").env_remove("SCRUB_KEY_FILE");
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

const PARTITIONED: &str =
    "CREATE TABLE public.people (id integer, email text, nick text) PARTITION BY RANGE (id);
CREATE TABLE public.people_1 (id integer, email text, nick text);
ALTER TABLE ONLY public.people ATTACH PARTITION public.people_1 FOR VALUES FROM (0) TO (100);
CREATE TABLE public.log (id integer, line text);
COPY public.people_1 (id, email, nick) FROM stdin;
1\tann@corp.example\tann1
2\tbob@corp.example\tbob2
\\.
INSERT INTO public.log VALUES (1, 'ok');
";

#[test]
fn verify_resolves_rules_through_partitions_and_finds_a_value_copied_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "rules.yaml",
        "tables:\n  public.people:\n    columns:\n      email: md5\n",
    );
    let original = write(dir.path(), "original.sql", PARTITIONED);
    let scrubbed = dir.path().join("scrubbed.sql");
    let run = scrub(&[&"-q", &"-c", &rules, &original, &"-o", &scrubbed]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let clean = scrub(&[&"verify", &"-c", &rules, &original, &scrubbed]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));

    let leaked = std::fs::read_to_string(&scrubbed)
        .unwrap()
        .replace("(1, 'ok')", "(1, 'bob@corp.example')");
    let leaked = write(dir.path(), "leaked.sql", &leaked);
    let out = scrub(&[&"verify", &"-c", &rules, &original, &leaked]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains(
            "leak: public.people_1.email value from original line 7 found in scrubbed public.log.line line 9: b… (16 chars)"
        ),
        "{report}"
    );
    assert!(!report.contains("bob@corp.example"), "{report}");
}

#[test]
fn verify_reports_duplicates_in_a_unique_column() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "rules.yaml",
        "tables:\n  public.people:\n    columns:\n      nick: {md5: {length: 16, unique: true}}\n",
    );
    let original = write(dir.path(), "original.sql", PARTITIONED);
    let scrubbed = PARTITIONED
        .replace("\tann1\n", "\t0123456789abcdef\n")
        .replace("\tbob2\n", "\t0123456789abcdef\n");
    let scrubbed = write(dir.path(), "scrubbed.sql", &scrubbed);
    let out = scrub(&[&"verify", &"-c", &rules, &original, &scrubbed]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains(
            "duplicate: public.people_1.nick (md5:16+unique) line 7 repeats the output of line 6: 0… (16 chars)"
        ),
        "{report}"
    );
}

#[test]
fn verify_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(dir.path(), "rules.yaml", "tables:\n  t:\n    rows: none\n");
    let original = write(dir.path(), "original.sql", PARTITIONED);
    let missing = dir.path().join("missing.sql");
    assert_eq!(
        scrub(&[&"verify", &"-c", &rules, &original, &missing])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        scrub(&[&"verify", &"-c", &rules, &original]).status.code(),
        Some(2)
    );
}

#[test]
fn detect_folds_partitions_into_their_parent_and_flags_by_name_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let original = write(dir.path(), "original.sql", PARTITIONED);
    let out = scrub(&[&"detect", &original]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(yaml.contains("\n  public.people:  # 2 row(s)\n    columns:\n      id: keep\n      email: {hash: email}  # name: \"email\"; 100% of 2 sampled values are e-mail addresses\n      nick: {fake: username}  # name: \"nick\"\n"), "{yaml}");
    assert!(!yaml.contains("people_1"), "{yaml}");
    assert!(
        yaml.contains(
            "\n  public.log:  # 1 row(s)\n    columns:\n      id: keep\n      line: keep\n"
        ),
        "{yaml}"
    );
}

#[test]
fn detect_reads_a_schema_and_a_data_sample_and_says_which_file_a_bad_line_is_in() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write(
        dir.path(),
        "schema.sql",
        "--\n-- PostgreSQL database dump\n--\n\
         CREATE TABLE public.users (id integer, email text, note text);\n\
         CREATE TABLE public.cards (id integer, card text);\n\
         --\n-- PostgreSQL database dump complete\n--\n",
    );
    let sample = write(
        dir.path(),
        "sample.sql",
        "COPY public.users (id, email, note) FROM stdin;\n1\tann@corp.example\thi\n\\.\n",
    );
    let out = scrub(&[&"detect", &"--schema", &schema, &sample]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let yaml = text(&out.stdout);
    assert!(
        yaml.contains("\n  public.cards:  # 0 row(s)\n    columns:\n      id: keep\n      card: {hash: {as: digits, length: 16}}  # name: \"card\"\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("\n  public.users:  # 1 row(s)\n    columns:\n      id: keep\n      email: {hash: email}  # name: \"email\"; 100% of 1 sampled values are e-mail addresses\n      note: keep\n"),
        "{yaml}"
    );
    // A bad row is reported at its line in the sample, not in the stream of both.
    let bad = write(
        dir.path(),
        "bad.sql",
        "COPY public.users (id, email, note) FROM stdin;\n1\tann@corp.example\n\\.\n",
    );
    let out = scrub(&[&"detect", &"--schema", &schema, &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "scrub detect: {}:2: COPY public.users: the row has 2 fields, the COPY statement lists 3 columns\n",
            bad.display()
        )
    );
    // The schema alone: -c still fails on a personal column without a rule.
    let rules = write(
        dir.path(),
        "rules.yaml",
        "tables:\n  public.users:\n    columns:\n      email: email\n",
    );
    let out = scrub(&[&"detect", &"-c", &rules, &schema]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("public.cards.card: no rule, looks like card numbers"));
}
