//! The rewriter end to end on hand-written dumps: each case is something pg_dump (or a
//! hand-edited dump) really writes. Every case also runs at tiny chunk sizes, where every
//! unit straddles a buffer edge, and must give the same bytes.

use std::sync::Arc;

use scrub_rules::{Keys, RuleSet};
use scrubber::{Error, Report, scrub_bytes};

const SEED: u64 = 7;

fn rules(yaml: &str) -> Arc<RuleSet> {
    Arc::new(RuleSet::from_yaml(yaml).unwrap())
}

/// Scrubs at several chunk sizes, checks they agree, returns the output.
fn scrub(dump: &str, yaml: &str) -> (String, Report) {
    let (out, report) = scrub_bytes(
        dump.as_bytes(),
        rules(yaml),
        &Keys::from_seed(SEED),
        1 << 20,
    )
    .unwrap();
    for chunk in [1, 2, 3, 7, 64] {
        let (small, _) =
            scrub_bytes(dump.as_bytes(), rules(yaml), &Keys::from_seed(SEED), chunk).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&small),
            String::from_utf8_lossy(&out),
            "chunk size {chunk} differs"
        );
    }
    (String::from_utf8(out).unwrap(), report)
}

/// `body` between pg_dump's first and last comment lines: a whole dump, even without data.
fn whole_dump(body: &str) -> String {
    format!(
        "--\n-- PostgreSQL database dump\n--\n\n{body}\n--\n-- PostgreSQL database dump complete\n--\n\n"
    )
}

fn scrub_err(dump: &str, yaml: &str) -> String {
    match scrub_bytes(
        dump.as_bytes(),
        rules(yaml),
        &Keys::from_seed(SEED),
        1 << 20,
    ) {
        Err(Error::Data(e)) => e.to_string(),
        Err(e) => panic!("unexpected error {e}"),
        Ok((out, report)) => panic!(
            "no error; unmatched {:?}; output:\n{}",
            report.unmatched,
            String::from_utf8_lossy(&out)
        ),
    }
}

const USERS_RULES: &str =
    "tables:\n  public.users:\n    columns:\n      email: email\n      note: {fixed: \"x\\ty\"}\n";

#[test]
fn everything_but_ruled_fields_passes_through() {
    let dump = "\\restrict AbC123\n--\n-- PostgreSQL database dump\n--\nSET standard_conforming_strings = on;\nSELECT pg_catalog.set_config('search_path', '', false);\n\
CREATE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $_$\nBEGIN\n  -- COPY public.users (id, email, note) FROM stdin;\n  RAISE NOTICE 'INSERT INTO public.users VALUES (1);';\nEND $_$;\n\
/* COPY public.users (id) FROM stdin; */\n\
COPY public.other (a, b) FROM stdin;\nann@corp.com\t\\\\N\n\\.\n\
COPY public.users (id, email, note) FROM stdin;\n1\tann@corp.com\tsecret\n2\t\\N\t\\N\n3\tbob\\\\@x\tline\\nbreak\n\\.\n\
SELECT pg_catalog.lo_open('16395', 131072);\nSELECT pg_catalog.lowrite(0, '\\x6869');\n--\n-- PostgreSQL database dump complete\n--\n\\unrestrict AbC123\n";
    let (out, report) = scrub(dump, USERS_RULES);
    assert!(report.unmatched.is_empty());
    let expected = dump
        .replace("1\tann@corp.com\tsecret", "1\tnobody@example.com\tx\\ty")
        .replace("2\t\\N\t\\N", "2\t\\N\tx\\ty")
        .replace("3\tbob\\\\@x\tline\\nbreak", "3\tnobody@example.com\tx\\ty");
    assert_eq!(out, expected);
}

#[test]
fn copy_escapes_in_and_around_ruled_fields() {
    let dump = "COPY public.users (id, email, note) FROM stdin;\n\\\\N\t\\\\.\tkeep\\ttab\n\\N\tx\\001\t\\\\.\n\\.\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  users:\n    columns:\n      email: {md5: 4}\n",
    );
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], "COPY public.users (id, email, note) FROM stdin;");
    let f1: Vec<&str> = rows[1].split('\t').collect();
    assert_eq!((f1[0], f1[2]), ("\\\\N", "keep\\ttab"));
    assert_eq!(f1[1].len(), 4);
    assert!(f1[1].bytes().all(|b| b.is_ascii_hexdigit()));
    let f2: Vec<&str> = rows[2].split('\t').collect();
    assert_eq!((f2[0], f2[2]), ("\\N", "\\\\."));
    assert_eq!(rows[3], "\\.");
}

#[test]
fn old_dumps_resolve_bare_names_through_search_path() {
    let dump = "SET search_path = sales, pg_catalog;\nCREATE TABLE customer (id integer, email text);\nCOPY customer (id, email) FROM stdin;\n1\ta@b.c\n\\.\nINSERT INTO customer VALUES (2, 'c@d.e');\n";
    let (out, report) = scrub(
        dump,
        "tables:\n  sales.customer:\n    columns:\n      email: email\n",
    );
    assert!(report.unmatched.is_empty());
    assert!(
        out.contains("1\tnobody@example.com\n")
            && out.contains("VALUES (2, 'nobody@example.com');"),
        "{out}"
    );
    // The same bare name under public is another table: its rule matches nothing.
    let (out, report) = scrub(
        dump,
        "tables:\n  customer:\n    columns:\n      email: email\n",
    );
    assert_eq!(report.unmatched.len(), 1);
    assert_eq!(out, dump);
}

#[test]
fn insert_forms_and_literals() {
    let dump = "CREATE TABLE public.users (id integer, email text, gen text GENERATED ALWAYS AS (email) STORED, note text);\n\
INSERT INTO public.users VALUES (1, 'a''b@c.d', DEFAULT, 'it''s; -- not a comment /* nor this */ ),(');\n\
INSERT INTO public.users (id, email, note) VALUES (2, E'x\\'y@z.w', 'multi\nline');\n\
INSERT INTO public.users (id, email, note) OVERRIDING SYSTEM VALUE VALUES\n\t(3, NULL, NULL),\n\t(4, 'q@r.s', '$$not dollar$$');\n\
insert into users values (5, 'e@f.g', DEFAULT, 'n') ON CONFLICT DO NOTHING;\n";
    let (out, _) = scrub(dump, USERS_RULES);
    let expected = "CREATE TABLE public.users (id integer, email text, gen text GENERATED ALWAYS AS (email) STORED, note text);\n\
INSERT INTO public.users VALUES (1, 'nobody@example.com', DEFAULT, 'x\ty');\n\
INSERT INTO public.users (id, email, note) VALUES (2, 'nobody@example.com', 'x\ty');\n\
INSERT INTO public.users (id, email, note) OVERRIDING SYSTEM VALUE VALUES\n\t(3, NULL, 'x\ty'),\n\t(4, 'nobody@example.com', 'x\ty');\n\
insert into users values (5, 'nobody@example.com', DEFAULT, 'x\ty') ON CONFLICT DO NOTHING;\n";
    assert_eq!(out, expected);
}

#[test]
fn backslashes_follow_standard_conforming_strings() {
    let dump = "CREATE TABLE t (a text, b text);\nSET standard_conforming_strings = off;\nINSERT INTO t VALUES ('x\\'); y', 'old');\nSET standard_conforming_strings = on;\nINSERT INTO t VALUES ('x\\', 'old');\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  t:\n    columns:\n      b: {fixed: \"a\\\\b'c\"}\n",
    );
    assert!(
        out.contains("INSERT INTO t VALUES ('x\\'); y', 'a\\\\b''c');"),
        "{out}"
    );
    assert!(
        out.contains("INSERT INTO t VALUES ('x\\', 'a\\b''c');"),
        "{out}"
    );
}

#[test]
fn rows_none_drops_the_rows_and_keeps_the_table() {
    let dump = "CREATE TABLE public.sessions (id integer, token text);\nCOPY public.sessions (id, token) FROM stdin;\n1\tabc\n2\tdef\n\\.\nINSERT INTO public.sessions VALUES (3, 'ghi');\nINSERT INTO public.sessions (id, token) VALUES\n\t(4, 'jkl'),\n\t(5, 'mno');\nSELECT 1;\n";
    let (out, _) = scrub(dump, "tables:\n  sessions:\n    rows: none\n");
    assert_eq!(
        out,
        "CREATE TABLE public.sessions (id integer, token text);\nCOPY public.sessions (id, token) FROM stdin;\n\\.\nSELECT 1;\n"
    );
}

#[test]
fn a_rule_on_a_parent_covers_its_partitions_and_children() {
    let dump = "CREATE TABLE public.payment (id integer, email text) PARTITION BY RANGE (id);\nCREATE TABLE public.payment_p1 (id integer, email text);\nALTER TABLE ONLY public.payment ATTACH PARTITION public.payment_p1 FOR VALUES FROM (0) TO (10);\nCREATE TABLE public.payment_old (note text) INHERITS (public.payment);\n\
COPY public.payment_p1 (id, email) FROM stdin;\n1\ta@b.c\n\\.\nINSERT INTO public.payment_old (id, email, note) VALUES (2, 'd@e.f', 'n');\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  payment:\n    columns:\n      email: email\n",
    );
    assert!(out.contains("1\tnobody@example.com\n"), "{out}");
    assert!(
        out.contains("VALUES (2, 'nobody@example.com', 'n');"),
        "{out}"
    );
    assert!(!out.contains("a@b.c") && !out.contains("d@e.f"));
}

#[test]
fn inserts_without_column_names_into_an_inheritance_child_with_columns_of_its_own_fail_closed() {
    // In the source database `email` may have been added to `payment` after `payment_old`
    // was made: then it is the child's last column and pg_dump --inserts writes it last.
    let dump = "CREATE TABLE public.payment (id integer, email text);\nCREATE TABLE public.payment_old (note text) INHERITS (public.payment);\n\
INSERT INTO public.payment_old VALUES (2, 'n', 'd@e.f');\n";
    let err = scrub_err(
        dump,
        "tables:\n  payment:\n    columns:\n      email: email\n",
    );
    assert!(
        err.starts_with("3: INSERT INTO public.payment_old: the statement lists no columns")
            && err.contains("--column-inserts"),
        "{err}"
    );
    // A child with no columns of its own has its one parent's order.
    let plain = "CREATE TABLE public.payment (id integer, email text);\nCREATE TABLE public.payment_old () INHERITS (public.payment);\n\
INSERT INTO public.payment_old VALUES (2, 'd@e.f');\n";
    let (out, _) = scrub(
        plain,
        "tables:\n  payment:\n    columns:\n      email: email\n",
    );
    assert!(out.contains("VALUES (2, 'nobody@example.com');"), "{out}");
}

/// A pg_dump 18 `--statistics` call, as it writes one.
fn attribute_stats(relation: &str, column: &str, values: &str) -> String {
    format!(
        "SELECT * FROM pg_catalog.pg_restore_attribute_stats(\n\t'version', '150018'::integer,\n\t'schemaname', 'public',\n\t'relname', '{relation}',\n\t'attname', '{column}',\n\t'inherited', 'f'::boolean,\n\t'null_frac', '0'::real,\n\t'avg_width', '6'::integer,\n\t'n_distinct', '-1'::real,\n\t'histogram_bounds', '{{{values}}}'::text,\n\t'correlation', '1'::real\n);\n"
    )
}

#[test]
fn statistics_of_ruled_columns_are_dropped_and_the_rest_kept() {
    let relation = "SELECT * FROM pg_catalog.pg_restore_relation_stats(\n\t'version', '150018'::integer,\n\t'schemaname', 'public',\n\t'relname', 'users',\n\t'relpages', '1'::integer,\n\t'reltuples', '2'::real,\n\t'relallvisible', '0'::integer\n);\n";
    let kept_id = attribute_stats("users", "id", "1,2");
    let kept_other = attribute_stats("towns", "name", "Lyon,Paris");
    let body = [
        "CREATE TABLE public.users (id integer, email text);\n",
        "CREATE TABLE public.towns (name text);\n",
        "CREATE INDEX users_lower ON public.users USING btree (lower(email));\n",
        "COPY public.users (id, email) FROM stdin;\n1\ta@b.c\n2\td@e.f\n\\.\n",
        relation,
        &kept_id,
        &attribute_stats("users", "email", "a@b.c,d@e.f"),
        &attribute_stats("users_lower", "lower", "a@b.c,d@e.f"),
        &kept_other,
    ]
    .concat();
    let dump = whole_dump(&body);
    let (out, report) = scrub(
        &dump,
        "tables:\n  users:\n    columns:\n      email: email\n",
    );
    assert!(!out.contains("a@b.c") && !out.contains("d@e.f"), "{out}");
    assert!(out.contains(relation) && out.contains(&kept_id) && out.contains(&kept_other));
    assert_eq!(report.statistics_dropped, 2);
    // Without a rule on the table, all its statistics stay.
    let (same, report) = scrub(&dump, "tables:\n  towns:\n    columns:\n      name: keep\n");
    assert_eq!(same, dump);
    assert_eq!(report.statistics_dropped, 0);
}

#[test]
fn statistics_of_a_parent_hold_its_childrens_values() {
    let body = [
        "CREATE TABLE public.people (id integer, email text) PARTITION BY RANGE (id);\n",
        "CREATE TABLE public.people_1 (id integer, email text);\n",
        "ALTER TABLE ONLY public.people ATTACH PARTITION public.people_1 FOR VALUES FROM (0) TO (10);\n",
        "COPY public.people_1 (id, email) FROM stdin;\n1\ta@b.c\n\\.\n",
        &attribute_stats("people", "email", "a@b.c"),
        &attribute_stats("people_1", "email", "a@b.c"),
    ]
    .concat();
    let (out, report) = scrub(
        &whole_dump(&body),
        "tables:\n  people_1:\n    columns:\n      email: email\n",
    );
    assert!(!out.contains("a@b.c"), "{out}");
    assert_eq!(report.statistics_dropped, 2);
}

#[test]
fn quoted_identifiers() {
    let dump = "COPY \"Sales Dept\".\"User Data\" (id, \"E-Mail\", \"e-mail\") FROM stdin;\n1\ta@b.c\tkeep@me\n\\.\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  '\"Sales Dept\".\"User Data\"':\n    columns:\n      '\"E-Mail\"': email\n",
    );
    assert!(out.contains("1\tnobody@example.com\tkeep@me\n"), "{out}");
}

#[test]
fn rules_that_match_nothing_are_reported() {
    let dump = whole_dump("CREATE TABLE public.users (id integer, email text);\n");
    let (_, report) = scrub(
        &dump,
        "tables:\n  users:\n    columns:\n      emial: email\n  userz:\n    columns:\n      email: email\n",
    );
    let listed: Vec<String> = report.unmatched.iter().map(ToString::to_string).collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(
        listed[1],
        "5:3: table public.userz never appears in the dump"
    );
    assert!(listed[0].starts_with("4:7: column public.users.emial"));
}

#[test]
fn data_errors_say_where() {
    let e = scrub_err(
        "SELECT 1;\nCOPY public.users (id, mail) FROM stdin;\n1\tx\n\\.\n",
        USERS_RULES,
    );
    assert!(
        e.starts_with("2: COPY public.users: no column email in this data"),
        "{e}"
    );
    let e = scrub_err(
        "COPY public.users (id, email, note) FROM stdin;\n1\ta\tb\n2\tc\n\\.\n",
        USERS_RULES,
    );
    assert_eq!(
        e,
        "3: COPY public.users: the row has 2 fields, the COPY statement lists 3 columns"
    );
    let e = scrub_err(
        "COPY public.users (id, email, note) FROM stdin;\n1\ta\tb\n",
        USERS_RULES,
    );
    assert!(e.contains("no `\\.` line"), "{e}");
    let e = scrub_err(
        "\nINSERT INTO public.users VALUES (1, 'a', 'b');\n",
        USERS_RULES,
    );
    assert!(
        e.starts_with("2: INSERT INTO public.users: the statement lists no columns"),
        "{e}"
    );
    let e = scrub_err(
        "CREATE TABLE public.users (id int, email text, note text);\nINSERT INTO public.users VALUES (1, 'a');\n",
        USERS_RULES,
    );
    assert_eq!(
        e,
        "2: INSERT INTO public.users: the row has 2 values, the statement has 3 columns"
    );
}

#[test]
fn corpus_dumps_pass_through_unchanged_at_any_chunk_size() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let files = [
        "pagila.copy.sql",
        "pagila.column-inserts-rows50.sql",
        "northwind.source.sql",
        "extra/wild-apress-demo.pg96.sql",
    ];
    for name in files {
        let dump = std::fs::read(corpus.join(name)).unwrap_or_else(|e| {
            panic!("{name}: {e} (the corpus is ../shared/corpus beside the repo)")
        });
        for chunk in [97, 4096, 1 << 20] {
            let (out, _) =
                scrub_bytes(&dump, rules("tables: {}\n"), &Keys::from_seed(SEED), chunk).unwrap();
            assert!(out == dump, "{name} changed at chunk size {chunk}");
        }
    }
}

#[test]
fn an_insert_without_values_into_a_ruled_table_fails_closed() {
    let e = scrub_err(
        "SELECT 1;\nINSERT INTO public.users(id, email) SELECT id, email FROM other;\n",
        USERS_RULES,
    );
    assert_eq!(
        e,
        "2: INSERT INTO public.users: an INSERT without a VALUES list cannot be rewritten, and the table has rules"
    );
    let (out, _) = scrub(
        "INSERT INTO public.other SELECT 1;\n",
        "tables:\n  other2:\n    columns:\n      a: null\n",
    );
    assert_eq!(out, "INSERT INTO public.other SELECT 1;\n");
}

/// Values inside values (issue 6): json paths, array elements and free-text redaction on
/// values full of tabs, newlines, backslashes and quotes, through COPY and INSERT.
mod nested {
    use super::*;

    const RULES: &str = r#"tables:
  public.p:
    columns:
      profile: {json: {"$.email": email, "$.note": {fixed: "t\tn\n\"q\" \\ e"}, "$.phones[*]": {redact: [phone]}}}
      tags: {array: {fixed: "a \"b\"\\c,{}"}}
      bio: {redact: [email, phone, card]}
"#;

    const PROFILE: &str = "{\"email\": \"ann@corp.com\", \"note\": \"old\\\\ \\\"x\\\"\\tz\",\n\t\"phones\": [\"+1 555 123 4567\", \"n/a\"], \"keep\": \"a\\tb\\\\c\u{e9}\\u00e9\"}";
    const TAGS: &str = "{x,\"y z\",NULL,\"q\\\"\\\\\"}";
    const BIO: &str =
        "ann@corp.com\tcalled +1 555 123 4567\nfrom \"home\" \\ card 4111 1111 1111 1111, it's ok";

    fn copy_dump() -> String {
        let mut dump = b"COPY public.p (id, profile, tags, bio) FROM stdin;\n1".to_vec();
        for value in [PROFILE, TAGS, BIO] {
            dump.push(b'\t');
            scrubber::encode_copy(value.as_bytes(), &mut dump);
        }
        dump.extend_from_slice(b"\n\\.\n");
        String::from_utf8(dump).unwrap()
    }

    fn sql_literal(value: &str) -> String {
        format!("'{}'", value.replace('\'', "''"))
    }

    fn insert_dump() -> String {
        format!(
            "SET standard_conforming_strings = on;\nINSERT INTO public.p (id, profile, tags, bio) VALUES (1, {}, {}, {});\n",
            sql_literal(PROFILE),
            sql_literal(TAGS),
            sql_literal(BIO)
        )
    }

    /// The decoded fields of the one COPY row.
    fn copy_fields(out: &str) -> Vec<String> {
        let row = out.lines().nth(1).unwrap();
        row.split('\t')
            .map(|f| {
                String::from_utf8(scrubber::decode_copy(f.as_bytes()).unwrap().into_owned())
                    .unwrap()
            })
            .collect()
    }

    /// The decoded values of the one INSERT row (standard strings: only `''` to undo).
    fn insert_fields(out: &str) -> Vec<String> {
        let values = &out[out.find("VALUES (").unwrap() + 8..];
        let mut fields = Vec::new();
        let mut chars = values.chars().peekable();
        let mut field = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' => loop {
                    match chars.next().unwrap() {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            field.push('\'');
                        }
                        '\'' => break,
                        c => field.push(c),
                    }
                },
                ',' | ')' => {
                    fields.push(std::mem::take(&mut field).trim().to_owned());
                    if c == ')' {
                        break;
                    }
                }
                c => field.push(c),
            }
        }
        fields
    }

    fn check_row(fields: &[String]) {
        let [id, profile, tags, bio] = fields else {
            panic!("{fields:?}")
        };
        assert_eq!(id, "1");
        let json: serde_json::Value = serde_json::from_str(profile).unwrap();
        assert_eq!(json["email"], "nobody@example.com");
        assert_eq!(json["note"], "t\tn\n\"q\" \\ e");
        assert_eq!(json["keep"], "a\tb\\c\u{e9}\u{e9}");
        assert_eq!(json["phones"][1], "n/a");
        let phone = json["phones"][0].as_str().unwrap();
        assert!(
            phone.starts_with("+") && phone != "+1 555 123 4567" && phone.len() == 15,
            "{phone}"
        );
        // Every byte outside the matched scalars is as it was.
        let new_note = serde_json::to_string("t\tn\n\"q\" \\ e").unwrap();
        let expected = PROFILE
            .replace("\"ann@corp.com\"", "\"nobody@example.com\"")
            .replace("\"old\\\\ \\\"x\\\"\\tz\"", &new_note)
            .replace("+1 555 123 4567", phone);
        assert_eq!(profile, &expected);
        // `fixed` is the one rule that replaces NULL elements too.
        assert_eq!(
            tags,
            &format!("{{{}}}", [r#""a \"b\"\\c,{}""#; 4].join(","))
        );
        for gone in ["ann@corp.com", "555 123 4567", "4111 1111 1111 1111"] {
            assert!(!bio.contains(gone), "{gone} in {bio}");
        }
        assert!(
            bio.contains("\tcalled +")
                && bio.contains("\nfrom \"home\" \\ card ")
                && bio.ends_with(", it's ok"),
            "{bio}"
        );
    }

    #[test]
    fn json_array_and_redact_through_copy_and_insert() {
        let (copy, _) = scrub(&copy_dump(), RULES);
        let (insert, _) = scrub(&insert_dump(), RULES);
        let copied = copy_fields(&copy);
        let inserted = insert_fields(&insert);
        check_row(&copied);
        check_row(&inserted);
        // Value-derived pseudonyms are the same whichever way the dump writes the row.
        assert_eq!(copied, inserted);
    }

    #[test]
    fn values_that_do_not_parse_are_errors_that_say_where() {
        let dump = "COPY public.p (id, profile, tags, bio) FROM stdin;\n1\t{}\t{}\tx\n2\t{\"email\": \t{}\tx\n\\.\n";
        let e = scrub_err(dump, RULES);
        assert!(
            e.starts_with("3: COPY public.p")
                && e.contains("profile")
                && e.contains("not valid JSON"),
            "{e}"
        );
        let dump = "INSERT INTO public.p (id, profile, tags, bio) VALUES (1, '{}', '{a,b', 'x');\n";
        let e = scrub_err(dump, RULES);
        assert!(e.contains("tags") && e.contains("not a valid array"), "{e}");
    }
}

/// A dump with one table per case of `policy: strict`, each with data unless said otherwise.
const STRICT_DUMP: &str = "\
CREATE TABLE public.users (id integer, email text, ssn text);
CREATE TABLE public.empty (id integer, secret text);
CREATE TABLE public.events (id integer, at text) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 (id integer, at text);
ALTER TABLE ONLY public.events ATTACH PARTITION public.events_2024 FOR VALUES FROM ('2024') TO ('2025');
COPY public.users (id, email, ssn) FROM stdin;
1\tann@corp.com\t123-45-6789
\\.
COPY public.empty (id, secret) FROM stdin;
\\.
COPY public.events_2024 (id, at) FROM stdin;
7\t2024-05-01
\\.
INSERT INTO public.logs (id, ip) VALUES (1, '10.0.0.1');
INSERT INTO public.logs (id, ip) VALUES (2, '10.0.0.2');
COPY public.sessions (token) FROM stdin;
abc
\\.
";

#[test]
fn strict_policy_lists_each_uncovered_column_at_its_first_data_line() {
    let (out, report) = scrub(
        STRICT_DUMP,
        "policy: strict\ntables:\n  users:\n    columns: {id: keep, email: email}\n",
    );
    let got: Vec<String> = report.uncovered.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "7: public.users.ssn is not covered by any rule (policy: strict)",
            "12: public.events_2024.at is not covered by any rule (policy: strict)",
            "12: public.events_2024.id is not covered by any rule (policy: strict)",
            "14: public.logs.id is not covered by any rule (policy: strict)",
            "14: public.logs.ip is not covered by any rule (policy: strict)",
            "17: public.sessions.token is not covered by any rule (policy: strict)",
        ]
    );
    // The check does not change what is written: ruled columns are rewritten, others pass.
    assert!(
        out.contains("1\tnobody@example.com\t123-45-6789\n"),
        "{out}"
    );
}

#[test]
fn strict_policy_is_met_by_rules_keep_a_parents_rules_and_rows_none() {
    let rules = "policy: strict\ntables:\n  users:\n    columns: {id: keep, email: email, ssn: null}\n  events:\n    columns: {id: keep, at: keep}\n  logs:\n    columns: {id: keep, ip: keep}\n  sessions:\n    rows: none\n";
    let (out, report) = scrub(STRICT_DUMP, rules);
    assert_eq!(
        report.uncovered,
        vec![],
        "public.empty has no rows: no data"
    );
    assert!(report.unmatched.is_empty() && report.foreign_keys.is_empty());
    // Tables whose rules only keep pass through byte for byte; `rows: none` drops the row.
    let (listed, _) = scrub(STRICT_DUMP, &rules.replace("policy: strict\n", ""));
    assert_eq!(out, listed);
    assert!(out.contains("7\t2024-05-01\n") && out.contains("VALUES (2, '10.0.0.2');"));
    assert!(!out.contains("abc\n"));
}

#[test]
fn strict_policy_is_met_by_tables_kept_as_a_whole_without_hiding_a_parents_rules() {
    // `columns: keep` on a partition covers its columns, a parent's rules still apply to
    // it, and a table kept as a whole passes through byte for byte.
    let rules = "policy: strict\ntables:\n  users:\n    columns: {id: keep, email: email, ssn: null}\n  events:\n    columns: {id: null}\n  events_2024:\n    columns: keep\n  logs:\n    columns: keep\n  sessions:\n    rows: none\n";
    let (out, report) = scrub(STRICT_DUMP, rules);
    assert_eq!(report.uncovered, vec![]);
    assert!(report.unmatched.is_empty());
    assert!(
        out.contains("\\N\t2024-05-01\n"),
        "the parent's rule: {out}"
    );
    assert!(out.contains("VALUES (2, '10.0.0.2');"), "{out}");
    // Without `columns: keep` the same file leaves them uncovered.
    let (_, report) = scrub(
        STRICT_DUMP,
        &rules.replace("  logs:\n    columns: keep\n", ""),
    );
    let got: Vec<String> = report.uncovered.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "14: public.logs.id is not covered by any rule (policy: strict)",
            "14: public.logs.ip is not covered by any rule (policy: strict)",
        ]
    );
    // A misspelt table kept as a whole still matches nothing: an error like any rule's.
    let (_, report) = scrub(STRICT_DUMP, &rules.replace("  logs:", "  logz:"));
    assert_eq!(report.unmatched.len(), 1, "{:?}", report.unmatched);
}

#[test]
fn strict_policy_refuses_an_insert_without_values() {
    let e = scrub_err(
        "INSERT INTO public.other SELECT 1;\n",
        "policy: strict\ntables:\n  users:\n    columns: {id: keep}\n",
    );
    assert_eq!(
        e,
        "1: INSERT INTO public.other: an INSERT without a VALUES list cannot be rewritten, and `policy: strict` must see the data of every column"
    );
}

#[test]
fn a_run_reports_foreign_keys_whose_ends_are_rewritten_differently() {
    // pg_dump writes the foreign keys after the data: the run can only tell at the end.
    let dump = "\
CREATE TABLE public.users (id integer, email text);
CREATE TABLE public.orders (id integer, email text);
COPY public.users (id, email) FROM stdin;
1\tann@corp.com
\\.
COPY public.orders (id, email) FROM stdin;
9\tann@corp.com
\\.
ALTER TABLE ONLY public.orders ADD CONSTRAINT fk FOREIGN KEY (email) REFERENCES public.users(email);
";
    let (_, report) = scrub(dump, "tables:\n  users:\n    columns: {email: md5}\n");
    let got: Vec<String> = report
        .foreign_keys
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("3:15: public.users.email: public.orders.email references public.users.email, whose `md5` (rule at 3:15) depends on the row"),
        "{}",
        got[0]
    );
    let (_, report) = scrub(
        dump,
        "tables:\n  users:\n    columns: {email: {fixed: aa}}\n  orders:\n    columns: {email: {fixed: aa}}\n",
    );
    assert!(report.foreign_keys.is_empty(), "{:?}", report.foreign_keys);
}

const PARTITIONED: &str = "\
CREATE TABLE public.people (id integer, email text) PARTITION BY LIST (email);
CREATE TABLE public.people_a (id integer, email text);
ALTER TABLE ONLY public.people ATTACH PARTITION public.people_a FOR VALUES IN ('ann@corp.com', 'o''neil@corp.com');
CREATE TABLE public.people_b PARTITION OF public.people
  FOR VALUES IN (E'bob@corp.com');
CREATE TABLE public.people_rest PARTITION OF public.people DEFAULT;
COPY public.people_a (id, email) FROM stdin;
1\tann@corp.com
2\to'neil@corp.com
\\.
COPY public.people_b (id, email) FROM stdin;
3\tbob@corp.com
\\.
";

#[test]
fn hash_ruled_list_bounds_are_rewritten_like_the_rows() {
    let (out, report) = scrub(
        PARTITIONED,
        "tables:\n  people:\n    columns: {email: {hash: email}}\n",
    );
    assert!(report.unmatched.is_empty());
    let lines: Vec<&str> = out.lines().collect();
    let row = |n: usize| lines[n].split('\t').nth(1).unwrap().to_owned();
    let (ann, oneil, bob) = (row(7), row(8), row(11));
    assert!(
        ann.starts_with('u') && ann.ends_with("@example.com"),
        "{ann}"
    );
    assert_eq!(
        lines[2],
        format!(
            "ALTER TABLE ONLY public.people ATTACH PARTITION public.people_a FOR VALUES IN ('{ann}', '{oneil}');"
        )
    );
    assert_eq!(lines[4], format!("  FOR VALUES IN ('{bob}');"));
    assert_eq!(
        lines[5],
        "CREATE TABLE public.people_rest PARTITION OF public.people DEFAULT;"
    );
    assert!(!out.contains("corp.com"), "{out}");
}

#[test]
fn partition_bounds_that_a_rule_cannot_follow_fail_at_their_statement() {
    let e = scrub_err(
        PARTITIONED,
        "tables:\n  people:\n    columns: {email: md5}\n",
    );
    assert!(
        e.starts_with("3: partition public.people_a of public.people: its bounds `FOR VALUES IN ('ann@corp.com', 'o''neil@corp.com')` hold values of email, which `md5` (rule at 3:15) rewrites: `md5` cannot rewrite the bounds alike"),
        "{e}"
    );
    let range = "CREATE TABLE public.t (d text) PARTITION BY RANGE (d);\nCREATE TABLE public.t_1 PARTITION OF public.t FOR VALUES FROM ('a') TO ('m');\n";
    let e = scrub_err(range, "tables:\n  t:\n    columns: {d: hash}\n");
    assert!(
        e.starts_with(
            "2: partition public.t_1 of public.t: its bounds `FOR VALUES FROM ('a') TO ('m')`"
        ) && e.contains("RANGE bounds cannot follow it"),
        "{e}"
    );
    // Kept keys, and bounds of other key columns, pass through.
    let range = whole_dump(range);
    let (out, _) = scrub(&range, "tables:\n  t:\n    columns: {d: keep}\n");
    assert_eq!(out, range);
}

#[test]
fn fakes_are_cut_to_the_varchar_length_the_schema_gives() {
    let dump = "CREATE TABLE public.people (id integer, name character varying(6), city text);\nCOPY public.people (id, name, city) FROM stdin;\n1\tAnn Smith\tParis\n2\tBob Jones\tLyon\n\\.\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  people:\n    columns:\n      name: {fake: name}\n      city: {fake: city}\n",
    );
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with("1\t") || l.starts_with("2\t"))
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    for row in rows {
        assert!(
            row[1].chars().count() <= 6,
            "name {:?} overflows varchar(6)",
            row[1]
        );
        assert!(!row[1].is_empty() && row[1] != "Ann Smith" && row[1] != "Bob Jones");
        assert!(row[2] != "Paris" && row[2] != "Lyon");
    }
}

#[test]
fn typed_tables_take_their_columns_from_the_composite_type() {
    let dump = "CREATE TYPE public.person_t AS (\n\tname text,\n\temail text\n);\n\
CREATE TABLE public.typed_people OF public.person_t (\n    name WITH OPTIONS NOT NULL\n);\n\
INSERT INTO public.typed_people VALUES ('Ann', 'ann@corp.example');\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  typed_people:\n    columns:\n      email: email\n",
    );
    assert!(
        out.contains("VALUES ('Ann', 'nobody@example.com');"),
        "{out}"
    );
    // Without the type the run fails, saying why.
    let untyped = "CREATE TABLE public.typed_people OF public.person_t;\n\
INSERT INTO public.typed_people VALUES ('Ann', 'ann@corp.example');\n";
    let err = scrub_err(
        untyped,
        "tables:\n  typed_people:\n    columns:\n      email: email\n",
    );
    assert!(
        err.contains("typed table of public.person_t, whose CREATE TYPE the dump has not shown"),
        "{err}"
    );
}

#[test]
fn generated_columns_keep_default_and_are_never_rewritten() {
    // PostgreSQL 18's virtual generated column (no STORED), and a parent's plain column that
    // is generated in a child: pg_dump --inserts writes DEFAULT for both.
    let dump = "CREATE TABLE public.v (\n    name text,\n    display text GENERATED ALWAYS AS (upper(name))\n);\n\
CREATE TABLE public.gp (id integer, email text, up text);\n\
CREATE TABLE public.gc (\n    up text GENERATED ALWAYS AS (upper(email)) STORED\n)\nINHERITS (public.gp);\n\
INSERT INTO public.v VALUES ('ann', DEFAULT);\n\
INSERT INTO public.gp VALUES (1, 'a@corp.example', 'A@CORP.EXAMPLE');\n\
INSERT INTO public.gc VALUES (2, 'b@corp.example', DEFAULT);\n\
COPY public.gc (id, email) FROM stdin;\n3\tc@corp.example\n\\.\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  v:\n    columns:\n      name: md5\n  gp:\n    columns:\n      email: email\n      up: {fixed: X}\n",
    );
    assert!(
        out.contains("INSERT INTO public.gp VALUES (1, 'nobody@example.com', 'X');"),
        "{out}"
    );
    assert!(
        out.contains("INSERT INTO public.gc VALUES (2, 'nobody@example.com', DEFAULT);"),
        "{out}"
    );
    assert!(out.contains("3\tnobody@example.com\n"), "{out}");
    assert!(out.contains("', DEFAULT);\nINSERT INTO public.gp"), "{out}");
    assert!(
        !out.contains("'ann'") && !out.contains("corp.example"),
        "{out}"
    );
}

#[test]
fn tables_without_columns_pass_and_follow_rows_none() {
    let dump = whole_dump(
        "CREATE TABLE public.empty_cols (\n);\nCREATE TABLE public.t (a text);\n\
INSERT INTO public.empty_cols DEFAULT VALUES;\nINSERT INTO public.empty_cols DEFAULT VALUES;\n\
COPY public.empty_cols  FROM stdin;\n\n\n\\.\nINSERT INTO public.t VALUES ('x');\n",
    );
    let (out, _) = scrub(&dump, "tables:\n  t:\n    columns:\n      a: md5\n");
    assert_eq!(
        out.matches("INSERT INTO public.empty_cols DEFAULT VALUES;")
            .count(),
        2
    );
    assert!(
        out.contains("COPY public.empty_cols  FROM stdin;\n\n\n\\.\n"),
        "{out}"
    );
    let (strict, _) = scrub(
        &dump,
        "policy: strict\ntables:\n  t:\n    columns:\n      a: keep\n",
    );
    assert_eq!(strict, dump);
    let (dropped, _) = scrub(
        &dump,
        "tables:\n  empty_cols:\n    rows: none\n  t:\n    columns:\n      a: keep\n",
    );
    assert!(!dropped.contains("DEFAULT VALUES"), "{dropped}");
    assert!(
        dropped.contains("COPY public.empty_cols  FROM stdin;\n\\.\n"),
        "{dropped}"
    );
}

#[test]
fn redacted_text_is_cut_to_the_varchar_length() {
    let dump = "CREATE TABLE public.short (id integer, addr character varying(6));\n\
INSERT INTO public.short VALUES (1, 'a@b.co');\nCOPY public.short (id, addr) FROM stdin;\n2\tc@d.eu\n\\.\n";
    let (out, _) = scrub(
        dump,
        "tables:\n  short:\n    columns:\n      addr: {redact: [email]}\n",
    );
    let insert = out.lines().find(|l| l.starts_with("INSERT")).unwrap();
    let value = insert.split('\'').nth(1).unwrap();
    assert!(value.chars().count() <= 6 && value != "a@b.co", "{insert}");
    let row = out.lines().find(|l| l.starts_with("2\t")).unwrap();
    assert!(row.len() <= 8 && row != "2\tc@d.eu", "{row}");
}
