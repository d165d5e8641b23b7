//! The dump writer: a plain pg_dump 15 file of three tables, streamed.
//!
//! The file has what `pg_dump --no-owner` writes for this schema, in its order: the header
//! `SET`s and `\restrict`, the `CREATE TABLE`s and sequences, the data of `public.api_tokens`
//! (3 rows, there for rules that must match something while the big tables pass through),
//! `public.events` (about a quarter of the data bytes) and `public.users` (the rest), then
//! the sequence values, constraints and index.
//!
//! Two [`Profile`]s share that schema. `wide` users carry a long `bio`, so most bytes of a
//! row are ones that rules leave alone; `narrow` users carry a short one, and events get a
//! tenth of the bytes, so nearly every byte of the dump sits in a short ruled field: the
//! worst case for the per-value cost of a rule.
//!
//! Rows come from two seeded [`Faker`]s, one per big table, so the `n`th row of a table is
//! the same in every form; only the number of rows that fit in the size differs.

use std::io::{self, Write};

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use crate::encode::{copy_text, sql_literal};
use crate::fake::{Faker, timestamptz};

/// How table data is written, as the pg_dump option of the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `COPY ... FROM stdin;` blocks (pg_dump's default).
    Copy,
    /// `--inserts`: `INSERT INTO t VALUES (...);`, one row each.
    Inserts,
    /// `--column-inserts`: `INSERT INTO t (a, b) VALUES (...);`, one row each.
    ColumnInserts,
}

/// The shape of the rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Users with a kept free-text `bio` of up to a few kilobytes.
    Wide,
    /// Users whose `bio` is a note of a few words; events a tenth of the data.
    Narrow,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Target size of the file in bytes; the file ends within one row of it.
    pub size: u64,
    pub form: Form,
    pub profile: Profile,
    pub seed: u64,
    /// Adds one `public.users` row, halfway through the table, whose `bio` is one value of
    /// this many bytes (on top of `size`).
    pub huge_value: Option<u64>,
}

/// Rows written per table, and bytes in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub api_tokens: u64,
    pub events: u64,
    pub users: u64,
    pub bytes: u64,
}

impl Counts {
    /// `schema.table<TAB>rows` lines, as the corpus's `*.counts.tsv` files have them.
    pub fn tsv(&self) -> String {
        format!(
            "public.api_tokens\t{}\npublic.events\t{}\npublic.users\t{}\n",
            self.api_tokens, self.events, self.users
        )
    }
}

struct Table {
    name: &'static str,
    columns: &'static [(&'static str, &'static str)],
}

const API_TOKENS: Table = Table {
    name: "api_tokens",
    columns: &[
        ("id", "integer NOT NULL"),
        ("token", "text NOT NULL"),
        ("note", "text"),
    ],
};

const EVENTS: Table = Table {
    name: "events",
    columns: &[
        ("id", "bigint NOT NULL"),
        ("user_id", "bigint NOT NULL"),
        ("kind", "text NOT NULL"),
        (
            "created_at",
            "timestamp with time zone DEFAULT now() NOT NULL",
        ),
        ("ip", "inet"),
        ("payload", "jsonb"),
        ("tags", "text[]"),
    ],
};

const USERS: Table = Table {
    name: "users",
    columns: &[
        ("id", "bigint NOT NULL"),
        ("email", "text NOT NULL"),
        ("name", "text"),
        ("phone", "text"),
        ("bio", "text"),
    ],
};

const TABLES: [&Table; 3] = [&API_TOKENS, &EVENTS, &USERS];

impl Table {
    fn column_list(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(name, _)| *name).collect();
        names.join(", ")
    }

    fn create(&self) -> String {
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|(name, ty)| format!("    {name} {ty}"))
            .collect();
        format!(
            "--\n-- Name: {0}; Type: TABLE; Schema: public; Owner: -\n--\n\n\
             CREATE TABLE public.{0} (\n{1}\n);\n\n\n",
            self.name,
            columns.join(",\n")
        )
    }

    /// What opens the table's data: the TOC comment, and the COPY header in COPY form.
    fn data_start(&self, form: Form) -> String {
        let mut text = format!(
            "--\n-- Data for Name: {}; Type: TABLE DATA; Schema: public; Owner: -\n--\n\n",
            self.name
        );
        if form == Form::Copy {
            text.push_str(&format!(
                "COPY public.{} ({}) FROM stdin;\n",
                self.name,
                self.column_list()
            ));
        }
        text
    }

    fn data_end(form: Form) -> &'static str {
        if form == Form::Copy {
            "\\.\n\n\n"
        } else {
            "\n\n"
        }
    }

    /// What starts every row: nothing for COPY, `INSERT INTO ... VALUES (` otherwise.
    fn row_prefix(&self, form: Form) -> String {
        match form {
            Form::Copy => String::new(),
            Form::Inserts => format!("INSERT INTO public.{} VALUES (", self.name),
            Form::ColumnInserts => {
                format!(
                    "INSERT INTO public.{} ({}) VALUES (",
                    self.name,
                    self.column_list()
                )
            }
        }
    }
}

fn header(restrict_key: &str) -> String {
    format!(
        "--\n-- PostgreSQL database dump\n--\n\n\\restrict {restrict_key}\n\n\
         -- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)\n\
         -- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)\n\n\
         SET statement_timeout = 0;\n\
         SET lock_timeout = 0;\n\
         SET idle_in_transaction_session_timeout = 0;\n\
         SET client_encoding = 'UTF8';\n\
         SET standard_conforming_strings = on;\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         SET check_function_bodies = false;\n\
         SET xmloption = content;\n\
         SET client_min_messages = warning;\n\
         SET row_security = off;\n\n\
         SET default_tablespace = '';\n\n\
         SET default_table_access_method = heap;\n\n"
    )
}

/// Tables, in pg_dump's order, with `events.id` an identity column and `users.id` a
/// serial column owned by its sequence.
fn schema() -> String {
    let sequence_options =
        "    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1";
    format!(
        "{api_tokens}{events}\
         --\n-- Name: events_id_seq; Type: SEQUENCE; Schema: public; Owner: -\n--\n\n\
         ALTER TABLE public.events ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (\n\
         \x20   SEQUENCE NAME public.events_id_seq\n{sequence_options}\n);\n\n\n\
         {users}\
         --\n-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -\n--\n\n\
         CREATE SEQUENCE public.users_id_seq\n{sequence_options};\n\n\n\
         --\n-- Name: users_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -\n--\n\n\
         ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;\n\n\n\
         --\n-- Name: users id; Type: DEFAULT; Schema: public; Owner: -\n--\n\n\
         ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);\n\n\n",
        api_tokens = API_TOKENS.create(),
        events = EVENTS.create(),
        users = USERS.create(),
    )
}

fn trailer(counts: &Counts, restrict_key: &str) -> String {
    let mut text = String::new();
    for (sequence, value) in [
        ("events_id_seq", counts.events),
        ("users_id_seq", counts.users),
    ] {
        text.push_str(&format!(
            "--\n-- Name: {sequence}; Type: SEQUENCE SET; Schema: public; Owner: -\n--\n\n\
             SELECT pg_catalog.setval('public.{sequence}', {}, {});\n\n\n",
            value.max(1),
            value > 0
        ));
    }
    for table in TABLES {
        text.push_str(&format!(
            "--\n-- Name: {0} {0}_pkey; Type: CONSTRAINT; Schema: public; Owner: -\n--\n\n\
             ALTER TABLE ONLY public.{0}\n    ADD CONSTRAINT {0}_pkey PRIMARY KEY (id);\n\n\n",
            table.name
        ));
    }
    text.push_str(&format!(
        "--\n-- Name: events_user_id_idx; Type: INDEX; Schema: public; Owner: -\n--\n\n\
         CREATE INDEX events_user_id_idx ON public.events USING btree (user_id);\n\n\n\
         --\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict {restrict_key}\n\n"
    ));
    text
}

/// One row being encoded into the output buffer.
struct Row<'a> {
    out: &'a mut Vec<u8>,
    form: Form,
    first: bool,
}

impl<'a> Row<'a> {
    fn start(out: &'a mut Vec<u8>, form: Form, prefix: &[u8]) -> Row<'a> {
        out.extend_from_slice(prefix);
        Row {
            out,
            form,
            first: true,
        }
    }

    fn separate(&mut self) {
        if !self.first {
            self.out.extend_from_slice(if self.form == Form::Copy {
                b"\t"
            } else {
                b", "
            });
        }
        self.first = false;
    }

    fn int(&mut self, value: u64) {
        self.separate();
        self.out.extend_from_slice(value.to_string().as_bytes());
    }

    fn null(&mut self) {
        self.separate();
        self.out.extend_from_slice(if self.form == Form::Copy {
            b"\\N"
        } else {
            b"NULL"
        });
    }

    fn text(&mut self, value: &[u8]) {
        self.separate();
        if self.form == Form::Copy {
            copy_text(value, self.out);
        } else {
            sql_literal(value, self.out);
        }
    }

    /// A text value that is NULL when `present` is false.
    fn text_or_null(&mut self, present: bool, value: &[u8]) {
        if present {
            self.text(value)
        } else {
            self.null()
        }
    }

    fn finish(self) {
        self.out.extend_from_slice(if self.form == Form::Copy {
            b"\n"
        } else {
            b");\n"
        });
    }
}

/// Buffers output and hands it to the writer in large blocks, counting the bytes.
struct Out<W: Write> {
    writer: W,
    buf: Vec<u8>,
    flushed: u64,
}

const BLOCK: usize = 1 << 18;

impl<W: Write> Out<W> {
    fn written(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        self.buf.extend_from_slice(text.as_bytes());
        self.flush_full()
    }

    fn flush_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= BLOCK {
            self.flush()
        } else {
            Ok(())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.write_all(&self.buf)?;
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }
}

/// Reused value buffers for one table's rows.
#[derive(Default)]
struct Scratch {
    a: Vec<u8>,
    b: Vec<u8>,
}

/// Writes the whole dump to `writer` and returns what it wrote. Memory stays constant
/// whatever the size, a huge value included.
pub fn write_dump<W: Write>(spec: &Spec, writer: W) -> io::Result<Counts> {
    let mut seeds = Xoshiro256PlusPlus::seed_from_u64(spec.seed);
    let restrict_key = restrict_key(&mut seeds);
    let mut events_faker = Faker::new(seeds.next_u64());
    let mut users_faker = Faker::new(seeds.next_u64());
    let mut tokens_faker = Faker::new(seeds.next_u64());

    let mut out = Out {
        writer,
        buf: Vec::with_capacity(2 * BLOCK),
        flushed: 0,
    };
    let mut counts = Counts::default();
    let mut scratch = Scratch::default();
    let form = spec.form;

    out.text(&header(&restrict_key))?;
    out.text(&schema())?;

    out.text(&API_TOKENS.data_start(form))?;
    let prefix = API_TOKENS.row_prefix(form);
    for (id, note) in [
        (1, Some("deploy bot")),
        (2, None),
        (3, Some("grafana, read-only")),
    ] {
        scratch.a.clear();
        for _ in 0..40 {
            scratch
                .a
                .push(b"0123456789abcdef"[tokens_faker.below(16) as usize]);
        }
        let mut row = Row::start(&mut out.buf, form, prefix.as_bytes());
        row.int(id);
        row.text(&scratch.a);
        row.text_or_null(note.is_some(), note.unwrap_or_default().as_bytes());
        row.finish();
        counts.api_tokens += 1;
    }
    out.text(Table::data_end(form))?;

    // The data bytes that the trailer leaves, a quarter for events and the rest for users.
    let trailer_max = trailer(
        &Counts {
            events: u64::MAX,
            users: u64::MAX,
            ..Counts::default()
        },
        &restrict_key,
    )
    .len() as u64;
    let data_start = out.written();
    let data_budget = spec.size.saturating_sub(data_start + trailer_max);
    let events_share = match spec.profile {
        Profile::Wide => 4,
        Profile::Narrow => 10,
    };
    let events_end = data_start + data_budget / events_share;
    let data_end = data_start + data_budget;

    out.text(&EVENTS.data_start(form))?;
    let prefix = EVENTS.row_prefix(form);
    // About as many users as will fit; from the size alone, so that rows match across forms.
    let user_ids = (spec.size / 4 * 3 / 260).max(1);
    let mut clock = 1_704_067_200_000_000u64; // 2024-01-01 00:00:00 UTC
    while out.written() < events_end {
        counts.events += 1;
        clock += events_faker.below(20_000_000);
        let mut row = Row::start(&mut out.buf, form, prefix.as_bytes());
        row.int(counts.events);
        row.int(1 + events_faker.below(user_ids));
        row.text(events_faker.event_kind().as_bytes());
        scratch.a.clear();
        timestamptz(clock, &mut scratch.a);
        row.text(&scratch.a);
        let present = events_faker.ip(&mut scratch.a);
        row.text_or_null(present, &scratch.a);
        let present = events_faker.payload(&mut scratch.a);
        row.text_or_null(present, &scratch.a);
        let present = events_faker.tags(&mut scratch.a);
        row.text_or_null(present, &scratch.a);
        row.finish();
        out.flush_full()?;
    }
    out.text(Table::data_end(form))?;

    out.text(&USERS.data_start(form))?;
    let prefix = USERS.row_prefix(form);
    let users_start = out.written();
    let huge_at = users_start + data_end.saturating_sub(users_start) / 2;
    let mut huge_value = spec.huge_value;
    let mut huge_bytes = 0;
    loop {
        let huge = huge_value.filter(|_| out.written() - huge_bytes >= huge_at);
        if huge.is_none() && out.written() - huge_bytes >= data_end {
            break;
        }
        counts.users += 1;
        let before = out.written();
        let has_name = users_faker.person(&mut scratch.a, &mut scratch.b);
        let mut row = Row::start(&mut out.buf, form, prefix.as_bytes());
        row.int(counts.users);
        row.text(&scratch.b);
        row.text_or_null(has_name, &scratch.a);
        let has_phone = users_faker.phone(&mut scratch.a);
        row.text_or_null(has_phone, &scratch.a);
        match huge {
            Some(len) => {
                huge_value = None;
                row.separate();
                write_huge_value(&mut out, &mut users_faker, form, len)?;
                Row {
                    out: &mut out.buf,
                    form,
                    first: false,
                }
                .finish();
                huge_bytes = out.written() - before;
            }
            None => {
                let has_bio = match spec.profile {
                    Profile::Wide => users_faker.bio(&mut scratch.a),
                    Profile::Narrow => users_faker.note(&mut scratch.a),
                };
                row.text_or_null(has_bio, &scratch.a);
                row.finish();
            }
        }
        out.flush_full()?;
    }
    out.text(Table::data_end(form))?;

    out.text(&trailer(&counts, &restrict_key))?;
    out.flush()?;
    out.writer.flush()?;
    counts.bytes = out.written();
    Ok(counts)
}

/// Writes a text value of exactly `len` bytes (ASCII prose, escapes included) in blocks, so
/// that memory does not grow with it.
fn write_huge_value<W: Write>(
    out: &mut Out<W>,
    faker: &mut Faker,
    form: Form,
    len: u64,
) -> io::Result<()> {
    if form != Form::Copy {
        out.buf.push(b'\'');
    }
    let mut block = Vec::with_capacity(BLOCK);
    let mut left = len;
    while left > 0 {
        block.clear();
        while block.len() < BLOCK {
            let word = faker.below(5);
            block.extend_from_slice(match word {
                0 => b"lorem ipsum dolor sit amet ",
                1 => b"tab\there, newline\nthere ",
                2 => b"back\\slash and 'quotes' ",
                3 => b"consectetur adipiscing elit. ",
                _ => b"0123456789 ",
            });
        }
        let take = left.min(BLOCK as u64) as usize;
        block.truncate(take);
        left -= take as u64;
        if form == Form::Copy {
            copy_text(&block, &mut out.buf);
        } else {
            let start = out.buf.len();
            sql_literal(&block, &mut out.buf);
            // One literal across all blocks: drop the quotes that sql_literal put around it.
            out.buf.remove(start);
            out.buf.pop();
        }
        out.flush_full()?;
    }
    if form != Form::Copy {
        out.buf.push(b'\'');
    }
    Ok(())
}

/// A `\restrict` key like pg_dump's: 63 random letters and digits.
fn restrict_key(rng: &mut Xoshiro256PlusPlus) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..63)
        .map(|_| ALPHABET[(rng.next_u64() % ALPHABET.len() as u64) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(size: u64, form: Form, seed: u64, huge_value: Option<u64>) -> (Vec<u8>, Counts) {
        dump_of(Profile::Wide, size, form, seed, huge_value)
    }

    fn dump_of(
        profile: Profile,
        size: u64,
        form: Form,
        seed: u64,
        huge_value: Option<u64>,
    ) -> (Vec<u8>, Counts) {
        let mut bytes = Vec::new();
        let counts = write_dump(
            &Spec {
                size,
                form,
                profile,
                seed,
                huge_value,
            },
            &mut bytes,
        )
        .unwrap();
        assert_eq!(counts.bytes, bytes.len() as u64);
        (bytes, counts)
    }

    fn lines_between<'a>(dump: &'a [u8], start: &[u8], end: &[u8]) -> Vec<&'a [u8]> {
        let mut lines = dump.split(|&b| b == b'\n');
        lines
            .by_ref()
            .find(|line| *line == start)
            .expect("block start");
        lines.take_while(|line| *line != end).collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        for form in [Form::Copy, Form::Inserts, Form::ColumnInserts] {
            let (a, _) = dump(300_000, form, 42, None);
            let (b, _) = dump(300_000, form, 42, None);
            let (c, _) = dump(300_000, form, 43, None);
            assert!(a == b);
            assert!(a != c);
        }
    }

    #[test]
    fn size_is_met_within_a_row() {
        for size in [0, 10_000, 1_000_000, 3_000_000] {
            for form in [Form::Copy, Form::ColumnInserts] {
                let (_, counts) = dump(size, form, 1, None);
                assert!(counts.bytes + 4096 >= size, "{size}: {counts:?}");
                assert!(counts.bytes <= size.max(8192) + 8192, "{size}: {counts:?}");
            }
        }
    }

    #[test]
    fn copy_rows_have_every_field_and_count_right() {
        let (bytes, counts) = dump(2_000_000, Form::Copy, 5, None);
        let users = lines_between(
            &bytes,
            b"COPY public.users (id, email, name, phone, bio) FROM stdin;",
            b"\\.",
        );
        assert_eq!(users.len() as u64, counts.users);
        assert!(
            users
                .iter()
                .all(|row| row.iter().filter(|&&b| b == b'\t').count() == 4)
        );
        let events = lines_between(
            &bytes,
            b"COPY public.events (id, user_id, kind, created_at, ip, payload, tags) FROM stdin;",
            b"\\.",
        );
        assert_eq!(events.len() as u64, counts.events);
        assert!(
            events
                .iter()
                .all(|row| row.iter().filter(|&&b| b == b'\t').count() == 6)
        );
        assert!(events.iter().any(|row| row.ends_with(b"\t\\N")));
        assert!(
            events
                .iter()
                .any(|row| row.ends_with(b"}") && row.contains(&b','))
        );
        assert!(
            counts.events > 1000 && counts.users > 3 * counts.events / 2,
            "{counts:?}"
        );
    }

    #[test]
    fn narrow_rows_are_short_and_fill_the_dump() {
        let (wide_bytes, wide) = dump(2_000_000, Form::Copy, 5, None);
        let (bytes, narrow) = dump_of(Profile::Narrow, 2_000_000, Form::Copy, 5, None);
        assert!(bytes != wide_bytes);
        let users = lines_between(
            &bytes,
            b"COPY public.users (id, email, name, phone, bio) FROM stdin;",
            b"\\.",
        );
        assert_eq!(users.len() as u64, narrow.users);
        let longest = users.iter().map(|row| row.len()).max().unwrap();
        assert!(longest < 200, "a narrow row of {longest} bytes");
        assert!(narrow.users > 4 * wide.users, "{narrow:?} {wide:?}");
        assert!(narrow.events < wide.events / 2, "{narrow:?} {wide:?}");
    }

    #[test]
    fn insert_forms_have_one_statement_per_row() {
        let (_, copy) = dump(1_000_000, Form::Copy, 8, None);
        let rows =
            |dump: &[u8], prefix: &[u8]| memchr::memmem::find_iter(dump, prefix).count() as u64;
        for (form, prefix) in [
            (Form::Inserts, &b"INSERT INTO public.users VALUES ("[..]),
            (
                Form::ColumnInserts,
                b"INSERT INTO public.users (id, email, name, phone, bio) VALUES (",
            ),
        ] {
            let (bytes, counts) = dump(1_000_000, form, 8, None);
            assert_eq!(rows(&bytes, prefix), counts.users);
            assert!(
                counts.users < copy.users && counts.users > copy.users / 3,
                "{counts:?} {copy:?}"
            );
        }
    }

    #[test]
    fn huge_value_has_its_exact_length() {
        let len = 3 * BLOCK as u64 + 17;
        let (bytes, counts) = dump(200_000, Form::Copy, 2, Some(len));
        let users = lines_between(
            &bytes,
            b"COPY public.users (id, email, name, phone, bio) FROM stdin;",
            b"\\.",
        );
        assert_eq!(users.len() as u64, counts.users);
        let longest = users
            .iter()
            .map(|row| row.rsplit(|&b| b == b'\t').next().unwrap())
            .max_by_key(|bio| bio.len())
            .unwrap();
        // Each escape is a backslash and one more byte that stand for one byte.
        let (mut decoded_len, mut i) = (0, 0);
        while i < longest.len() {
            i += if longest[i] == b'\\' { 2 } else { 1 };
            decoded_len += 1;
        }
        assert!(decoded_len < longest.len(), "the huge value has escapes");
        assert_eq!(decoded_len as u64, len);
    }
}
