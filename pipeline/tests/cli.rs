//! The built `scrub` binary, end to end: exit codes, messages, files, compression, threads.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const RULES: &str =
    "tables:\n  public.users:\n    columns:\n      email: email\n      name: {md5: 8}\n";

fn scrub() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scrub"))
}

fn run(cmd: &mut Command, stdin: Option<Vec<u8>>) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A dump of `rows` users rows plus an unruled table, in COPY form.
fn dump(rows: usize) -> Vec<u8> {
    let mut d = b"SET standard_conforming_strings = on;\nCREATE TABLE public.users (id integer, email text, name text);\nCOPY public.users (id, email, name) FROM stdin;\n".to_vec();
    for i in 0..rows {
        d.extend_from_slice(format!("{i}\tuser{i}@corp.example\tName\\t{i}\n").as_bytes());
    }
    d.extend_from_slice(b"\\.\n\nCOPY public.other (a) FROM stdin;\nuser1@corp.example\n\\.\n");
    d
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }
    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.0.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

#[test]
fn rewrites_a_file_and_stdin_alike_with_a_summary_on_stderr() {
    let dir = Dir::new();
    let rules = dir.file("rules.yaml", RULES.as_bytes());
    let input = dir.file("dump.sql", &dump(3));
    let from_file = run(
        scrub().args(["--seed", "1", "-c"]).arg(&rules).arg(&input),
        None,
    );
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    let out = String::from_utf8(from_file.stdout.clone()).unwrap();
    assert!(out.contains("0\tnobody@example.com\t") && !out.contains("user0@corp"));
    assert!(
        out.contains("\nuser1@corp.example\n"),
        "the unruled table is untouched"
    );
    assert!(
        stderr(&from_file).contains("public.users: 3 rows; email (email) 3, name (md5:8) 3"),
        "{}",
        stderr(&from_file)
    );
    let from_stdin = run(
        scrub().args(["-q", "--seed", "1", "-c"]).arg(&rules),
        Some(dump(3)),
    );
    assert_eq!(from_stdin.stdout, from_file.stdout);
    assert!(from_stdin.stderr.is_empty(), "-q is quiet");
}

#[test]
fn output_file_appears_only_when_the_run_succeeds() {
    let dir = Dir::new();
    let good = dir.file("rules.yaml", RULES.as_bytes());
    let typo = dir.file("typo.yaml", b"tables:\n  public.users:\n    columns:\n      email: email\n  public.usres:\n    columns:\n      email: email\n");
    let input = dir.file("dump.sql", &dump(10));
    let out = dir.path("anon.sql");
    let o = run(
        scrub().arg("-c").arg(&typo).arg("-o").arg(&out).arg(&input),
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("typo.yaml:5:3: table public.usres never appears in the dump"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        dir.names(),
        ["dump.sql", "rules.yaml", "typo.yaml"],
        "no output and no temporary file left"
    );
    let o = run(
        scrub()
            .arg("-q")
            .arg("-c")
            .arg(&good)
            .arg("-o")
            .arg(&out)
            .arg(&input),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing on stdout with -o");
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("nobody@example.com")
    );
    assert_eq!(
        dir.names(),
        ["anon.sql", "dump.sql", "rules.yaml", "typo.yaml"]
    );
}

#[test]
fn exit_codes_and_messages_say_what_and_where() {
    let dir = Dir::new();
    let input = dir.file("dump.sql", &dump(2));
    let bad_rules = dir.file(
        "bad.yaml",
        b"tables:\n  users:\n    columns:\n      email: emial\n",
    );
    let o = run(scrub().arg("-c").arg(&bad_rules).arg(&input), None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.yaml: ")
            && stderr(&o).contains("line 4 column 14")
            && stderr(&o).contains("unknown rule `emial`"),
        "{}",
        stderr(&o)
    );
    let o = run(scrub().arg("--no-such-flag"), None);
    assert_eq!(o.status.code(), Some(2));
    let rules = dir.file("rules.yaml", RULES.as_bytes());
    let broken = dir.file(
        "broken.sql",
        b"COPY public.users (id, email, name) FROM stdin;\n1\ta\tb\n2\tc\n\\.\n",
    );
    let o = run(scrub().arg("-c").arg(&rules).arg(&broken), None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "scrub: {}:3: COPY public.users: the row has 2 fields, the COPY statement lists 3 columns",
            broken.display()
        )
    );
    let o = run(
        scrub().arg("-c").arg(&rules).arg(dir.path("missing.sql")),
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot open") && stderr(&o).contains("missing.sql"));
}

#[test]
fn same_seed_same_bytes_at_any_thread_count_and_chunk_size() {
    let dir = Dir::new();
    let rules = dir.file("rules.yaml", RULES.as_bytes());
    let input = dir.file("dump.sql", &dump(50_000));
    let base = run(
        scrub()
            .args(["-q", "-j1", "--seed", "42", "-c"])
            .arg(&rules)
            .arg(&input),
        None,
    );
    assert!(base.status.success());
    for args in [
        ["-j8", "--chunk-size", "1000"],
        ["-j2", "--chunk-size", "65536"],
        ["-j3", "--chunk-size", "17"],
    ] {
        let o = run(
            scrub()
                .arg("-q")
                .args(args)
                .args(["--seed", "42", "-c"])
                .arg(&rules)
                .arg(&input),
            None,
        );
        assert!(o.stdout == base.stdout, "{args:?} differs");
    }
    let env_seed = run(
        scrub()
            .arg("-q")
            .env("SCRUB_SEED", "42")
            .arg("-c")
            .arg(&rules)
            .arg(&input),
        None,
    );
    assert!(
        env_seed.stdout == base.stdout,
        "SCRUB_SEED works like --seed"
    );
    let other = run(
        scrub()
            .args(["-q", "--seed", "43", "-c"])
            .arg(&rules)
            .arg(&input),
        None,
    );
    assert!(other.stdout != base.stdout, "another seed, other values");
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn reads_and_writes_gzip_and_zstd() {
    let dir = Dir::new();
    let rules = dir.file("rules.yaml", RULES.as_bytes());
    let plain = dump(20_000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).unwrap();
    let gz_input = dir.file("dump.sql.gz", &gz.finish().unwrap());
    let zst_input = dir.file(
        "dump.sql.zst",
        &zstd::encode_all(plain.as_slice(), 3).unwrap(),
    );
    let plain_input = dir.file("dump.sql", &plain);
    let expected = run(
        scrub()
            .args(["-q", "--seed", "5", "-c"])
            .arg(&rules)
            .arg(&plain_input),
        None,
    )
    .stdout;
    for input in [&gz_input, &zst_input] {
        let o = run(
            scrub()
                .args(["-q", "--seed", "5", "-c"])
                .arg(&rules)
                .arg(input),
            None,
        );
        assert!(
            o.stdout == expected,
            "{} decodes to the same dump",
            input.display()
        );
    }
    let o = run(
        scrub()
            .args([
                "-q",
                "--seed",
                "5",
                "--compress",
                "gzip:1",
                "--chunk-size",
                "100000",
                "-c",
            ])
            .arg(&rules)
            .arg(&plain_input),
        None,
    );
    assert!(
        gunzip(&o.stdout) == expected,
        "--compress gzip gives the same dump"
    );
    let o = run(
        scrub()
            .args(["-q", "--seed", "5", "--compress", "zstd", "-j2", "-c"])
            .arg(&rules)
            .arg(&plain_input),
        None,
    );
    assert!(
        zstd::decode_all(o.stdout.as_slice()).unwrap() == expected,
        "--compress zstd gives the same dump"
    );
    let o = run(
        scrub()
            .args(["-q", "--compress", "gzip:12", "-c"])
            .arg(&rules)
            .arg(&plain_input),
        None,
    );
    assert_eq!(o.status.code(), Some(2), "bad level is a usage error");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let dir = Dir::new();
    let rules = dir.file("rules.yaml", RULES.as_bytes());
    let input = dir.file("dump.sql", &dump(300_000));
    let mut child = scrub()
        .arg("-c")
        .arg(&rules)
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        o.stderr.is_empty(),
        "no message on a closed pipe: {}",
        stderr(&o)
    );
}

#[test]
fn check_validates_rules_and_reports_against_a_schema() {
    let dir = Dir::new();
    let schema = dir.file(
        "schema.sql",
        b"--\n-- PostgreSQL database dump\n--\nCREATE TABLE public.users (id integer NOT NULL, email character varying(10) NOT NULL, name text);\nALTER TABLE ONLY public.users ADD CONSTRAINT users_email_key UNIQUE (email);\n--\n-- PostgreSQL database dump complete\n--\n",
    );
    let good = dir.file(
        "good.yaml",
        b"tables:\n  users:\n    columns:\n      email: {md5: 10}\n      name: null\n",
    );
    let o = run(
        scrub()
            .args(["check", "-c"])
            .arg(&good)
            .arg("--schema")
            .arg(&schema),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("all match"));
    let bad = dir.file(
        "bad.yaml",
        b"tables:\n  users:\n    columns:\n      email: email\n      id: null\n      nmae: md5\n",
    );
    let o = run(
        scrub()
            .args(["check", "-c"])
            .arg(&bad)
            .arg("--schema")
            .arg(&schema),
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    let name = bad.display().to_string();
    for want in [
        format!("{name}:4:7: public.users.email: `email` gives every row the same value"),
        format!(
            "{name}:4:7: public.users.email: `email` writes 18 characters, but the column is character varying(10)"
        ),
        format!("{name}:5:7: public.users.id: `null` on a NOT NULL column"),
        format!("{name}:6:7: public.users.nmae: no such column"),
    ] {
        assert!(e.contains(&want), "missing {want:?} in\n{e}");
    }
    let o = run(scrub().args(["check", "-c"]).arg(&good), None);
    assert!(o.status.success());
    let o = run(
        scrub()
            .args(["check", "-c"])
            .arg(dir.file("x.yaml", b"tables: [")),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(Path::new(&name).exists());
}

#[test]
fn output_to_a_fifo_or_device_writes_into_it_instead_of_replacing_it() {
    let dir = Dir::new();
    let rules = dir.file("rules.yaml", RULES.as_bytes());
    let input = dir.file("dump.sql", &dump(1000));
    let fifo = dir.path("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let o = run(
        scrub()
            .args(["-q", "--seed", "1", "-c"])
            .arg(&rules)
            .arg("-o")
            .arg(&fifo)
            .arg(&input),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let through_fifo = reader.join().unwrap();
    let expected = run(
        scrub()
            .args(["-q", "--seed", "1", "-c"])
            .arg(&rules)
            .arg(&input),
        None,
    )
    .stdout;
    assert!(through_fifo == expected);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "the FIFO is still a FIFO"
    );
    assert_eq!(
        dir.names(),
        ["dump.sql", "pipe", "rules.yaml"],
        "no temporary file left"
    );
}

const KEYED_RULES: &str = "tables:\n  public.users:\n    columns:\n      email: {hash: email}\n      name: {fake: name}\n  public.other:\n    columns:\n      a: {hash: email}\n";

/// A key file of `bytes` random-looking bytes with `mode`.
fn key_file(dir: &Dir, name: &str, bytes: usize, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let material: Vec<u8> = (0..bytes).map(|i| (i * 151 + 7) as u8).collect();
    let path = dir.file(name, &material);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn key_files_that_others_can_read_or_that_are_short_are_refused() {
    let dir = Dir::new();
    let rules = dir.file("rules.yaml", KEYED_RULES.as_bytes());
    let input = dir.file("dump.sql", &dump(2));
    let open = key_file(&dir, "open.key", 32, 0o644);
    let o = run(
        scrub()
            .arg("-c")
            .arg(&rules)
            .arg("--key-file")
            .arg(&open)
            .arg(&input),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains(&open.display().to_string()) && e.contains("chmod 600") && o.stdout.is_empty(),
        "{e}"
    );
    let short = key_file(&dir, "short.key", 16, 0o600);
    let o = run(
        scrub()
            .arg("-c")
            .arg(&rules)
            .env("SCRUB_KEY_FILE", &short)
            .arg(&input),
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("short.key") && stderr(&o).contains("at least 32 bytes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_same_key_file_gives_the_same_pseudonyms_in_every_run_and_none_gives_new_ones() {
    let dir = Dir::new();
    let rules = dir.file("rules.yaml", KEYED_RULES.as_bytes());
    let input = dir.file("dump.sql", &dump(200));
    let key = key_file(&dir, "scrub.key", 32, 0o600);
    let with_key = |seed: &str| {
        let o = run(
            scrub()
                .args(["--seed", seed, "-c"])
                .arg(&rules)
                .arg("--key-file")
                .arg(&key)
                .arg(&input),
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let (a, b) = (with_key("1"), with_key("2"));
    assert!(
        a.stdout == b.stdout,
        "same key file, other seed: same output"
    );
    let summary = stderr(&a);
    assert!(
        summary.contains("\npseudonyms: keyed by the key file\n"),
        "{summary}"
    );
    let material = std::fs::read(&key).unwrap();
    let shown = String::from_utf8_lossy(&material);
    assert!(!summary.contains(&*shown) && !summary.contains(&hex_of(&material)));

    let out = String::from_utf8(a.stdout.clone()).unwrap();
    assert!(
        !out.contains("@corp.example"),
        "an original address is left"
    );
    // user1's address in public.users and in public.other got the same pseudonym.
    let user1 = out
        .lines()
        .find(|l| l.starts_with("1\t"))
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap();
    assert!(
        user1.starts_with('u') && user1.ends_with("@example.com"),
        "{user1}"
    );
    assert!(
        out.lines().any(|l| l == user1),
        "public.other holds {user1} too"
    );

    let env = run(
        scrub()
            .args(["-q", "--seed", "3", "-c"])
            .arg(&rules)
            .env("SCRUB_KEY_FILE", &key)
            .arg(&input),
        None,
    );
    assert!(env.status.success(), "{}", stderr(&env));
    assert!(
        env.stdout == a.stdout,
        "SCRUB_KEY_FILE works like --key-file"
    );

    let without = |seed: &str| {
        let o = run(
            scrub().args(["--seed", seed, "-c"]).arg(&rules).arg(&input),
            None,
        );
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let (c, d) = (without("1"), without("2"));
    assert!(c.stdout != d.stdout && c.stdout != a.stdout);
    assert!(
        stderr(&c).contains(
            "\npseudonyms: keyed for this run only (no key file; unlinkable to other runs)\n"
        ),
        "{}",
        stderr(&c)
    );
    let plain = dir.file("plain.yaml", RULES.as_bytes());
    let o = run(scrub().arg("-c").arg(&plain).arg(&input), None);
    assert!(!stderr(&o).contains("pseudonyms"), "no keyed rule, no line");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn strict_policy_fails_listing_uncovered_columns_and_keeps_no_output() {
    let dir = Dir::new();
    let input = dir.file("dump.sql", &dump(3));
    let strict = dir.file(
        "strict.yaml",
        b"policy: strict\ntables:\n  public.users:\n    columns:\n      id: keep\n      email: email\n",
    );
    let out = dir.path("out.sql");
    let o = run(
        scrub()
            .arg("-c")
            .arg(&strict)
            .arg(&input)
            .arg("-o")
            .arg(&out),
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let input_name = input.display();
    assert_eq!(
        stderr(&o),
        format!(
            "scrub: {input_name}:4: public.users.name is not covered by any rule (policy: strict)\n\
             scrub: {input_name}:10: public.other.a is not covered by any rule (policy: strict)\n\
             scrub: 2 column(s) with data have no rule under `policy: strict`; no output was kept\n"
        )
    );
    assert_eq!(dir.names(), ["dump.sql", "strict.yaml"]);
    // `scrub check` on a dump with data finds what the run does: the columns that have rows.
    let o = run(
        scrub()
            .args(["check", "-c"])
            .arg(&strict)
            .arg("--schema")
            .arg(&input),
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let strict_name = strict.display();
    assert_eq!(
        stderr(&o),
        format!(
            "{input_name}:4: public.users.name is not covered by any rule (policy: strict)\n\
             {input_name}:10: public.other.a is not covered by any rule (policy: strict)\n\
             scrub check: 2 problem(s) with {strict_name} against {input_name}\n"
        )
    );
    // Covered: a keep for each column, and `rows: none` for the other table.
    let covered = dir.file(
        "covered.yaml",
        b"policy: strict\ntables:\n  public.users:\n    columns: {id: keep, email: email, name: keep}\n  public.other:\n    rows: none\n",
    );
    let o = run(scrub().arg("-q").arg("-c").arg(&covered).arg(&input), None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("corp.example"));
}

#[test]
fn a_json_path_that_matches_no_document_fails_the_run_and_keeps_no_output() {
    let dir = Dir::new();
    let input = dir.file(
        "dump.sql",
        b"CREATE TABLE public.people (id integer, profile jsonb);\n\
          COPY public.people (id, profile) FROM stdin;\n\
          1\t{\"email\": \"ann@corp.example\", \"phones\": []}\n\
          2\t\\N\n\
          \\.\n",
    );
    // `$.emial` is a typo: the real key would pass through untouched.
    let typo = dir.file(
        "typo.yaml",
        b"tables:\n  public.people:\n    columns:\n      profile: {json: {\"$.emial\": {hash: email}, \"$.phones[*]\": null}}\n",
    );
    let out = dir.path("out.sql");
    let o = run(
        scrub().arg("-c").arg(&typo).arg(&input).arg("-o").arg(&out),
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (rules_name, input_name) = (typo.display(), input.display());
    assert_eq!(
        stderr(&o),
        format!(
            "scrub: {rules_name}:4:7: JSON path $.emial of public.people.profile matched no value in any document of {input_name}\n\
             scrub: {rules_name}:4:7: JSON path $.phones[*] of public.people.profile matched no value in any document of {input_name}\n\
             scrub: 2 rule(s) matched nothing in {input_name} (a misspelt rule would leak); no output was kept\n"
        )
    );
    assert_eq!(dir.names(), ["dump.sql", "typo.yaml"]);
    // Spelt right, the path matches.
    let fixed = dir.file(
        "fixed.yaml",
        b"tables:\n  public.people:\n    columns:\n      profile: {json: {\"$.email\": {hash: email}}}\n",
    );
    let o = run(scrub().arg("-q").arg("-c").arg(&fixed).arg(&input), None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("ann@corp.example"));
}

#[test]
fn input_that_is_not_a_whole_plain_dump_is_refused_by_every_command() {
    let dir = Dir::new();
    let none = dir.file("none.yaml", b"tables: {}\npolicy: strict\n");
    let rules = dir.file("rules.yaml", RULES.as_bytes());
    let whole = [
        b"--\n-- PostgreSQL database dump\n--\n\n".to_vec(),
        dump(3),
        b"\n--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict k\n".to_vec(),
    ]
    .concat();
    let cut = &whole[..whole.len() - 60];
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "custom.dump",
            b"PGDMP\x01\x0f\x00\x04\x08\x01\x01users...".to_vec(),
            "custom-format archive, not plain SQL; run `pg_restore -f - FILE | scrub",
        ),
        (
            "archive.tar",
            {
                let mut t = vec![b'x'; 1024];
                t[257..262].copy_from_slice(b"ustar");
                t
            },
            "tar archive",
        ),
        ("garbage.bin", vec![7, 0, 200, 13, 0, 1], "binary data"),
        ("empty.sql", Vec::new(), "the input is empty"),
        (
            "README.md",
            b"# How to restore\n\nRun the script; then wait.\n".to_vec(),
            "neither pg_dump's header",
        ),
        (
            "cut.sql",
            cut.to_vec(),
            "cut short (--allow-incomplete accepts it)",
        ),
    ];
    for (name, content, message) in &cases {
        let input = dir.file(name, content);
        let out = dir.path("out.sql");
        for rules in [&none, &rules] {
            let o = run(
                scrub().arg("-c").arg(rules).arg(&input).arg("-o").arg(&out),
                None,
            );
            assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
            assert!(stderr(&o).contains(message), "{name}: {}", stderr(&o));
            assert!(
                stderr(&o).starts_with(&format!("scrub: {}:", input.display())),
                "{}",
                stderr(&o)
            );
            assert!(!stderr(&o).contains("misspelt"), "{name}: {}", stderr(&o));
            assert!(!out.exists(), "{name}: no output is kept");
        }
        let detect = run(scrub().arg("detect").arg(&input), None);
        assert_eq!(
            detect.status.code(),
            Some(1),
            "detect {name}: {}",
            stderr(&detect)
        );
        assert!(
            detect.stdout.is_empty(),
            "detect proposes nothing for {name}"
        );
        let check = run(
            scrub()
                .args(["check", "-c"])
                .arg(&rules)
                .arg("--schema")
                .arg(&input),
            None,
        );
        assert_eq!(
            check.status.code(),
            Some(1),
            "check {name}: {}",
            stderr(&check)
        );
        let good = dir.file("good.sql", &whole);
        let verify = run(
            scrub()
                .args(["verify", "-c"])
                .arg(&rules)
                .arg(&good)
                .arg(&input),
            None,
        );
        assert_ne!(
            verify.status.code(),
            Some(0),
            "verify {name}: {}",
            stderr(&verify)
        );
    }
    // A directory (pg_dump -Fd) is named as one.
    let o = run(scrub().arg("-c").arg(&none).arg(dir.0.path()), None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is a directory (a pg_dump directory-format archive?)"),
        "{}",
        stderr(&o)
    );
    // The options let hand-made SQL and a cut dump through, and a whole dump needs none.
    let fragment = dir.file("fragment.sql", b"CREATE TABLE t (a int);\n");
    let o = run(
        scrub()
            .arg("-c")
            .arg(&none)
            .arg("--allow-fragment")
            .arg(&fragment),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, b"CREATE TABLE t (a int);\n");
    let cut_file = dir.file("cut.sql", cut);
    let o = run(
        scrub()
            .arg("-c")
            .arg(&rules)
            .arg("--allow-incomplete")
            .arg(&cut_file),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        scrub()
            .arg("-c")
            .arg(&rules)
            .arg(dir.file("whole.sql", &whole)),
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn check_under_strict_needs_no_rule_for_a_table_without_rows() {
    let dir = Dir::new();
    let mut full = b"CREATE TABLE public.other (a text);\n".to_vec();
    full.extend_from_slice(&dump(2));
    full.extend_from_slice(b"CREATE TABLE public.audit (id integer, note text);\nCOPY public.audit (id, note) FROM stdin;\n\\.\n");
    let input = dir.file("dump.sql", &full);
    let schema = dir.file(
        "schema.sql",
        b"CREATE TABLE public.users (id integer, email text, name text);\nCREATE TABLE public.other (a text);\nCREATE TABLE public.audit (id integer, note text);\n",
    );
    let rules = dir.file(
        "strict.yaml",
        b"policy: strict\ntables:\n  public.users:\n    columns: {id: keep, email: email, name: keep}\n  public.other:\n    rows: none\n",
    );
    let check = |against: &std::path::Path| {
        run(
            scrub()
                .args(["check", "--allow-fragment", "-c"])
                .arg(&rules)
                .arg("--schema")
                .arg(against),
            None,
        )
    };
    let o = check(&input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // From a schema alone the rows are unknown: every column needs its rule.
    let o = check(&schema);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("public.audit.note is not covered"),
        "{}",
        stderr(&o)
    );
}
