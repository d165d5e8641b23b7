-- The hard-case database of tests/roundtrip/hard-cases.bats: every value and table shape
-- that a pg_dump rewriter can get wrong. The test builds it, dumps it in each plain
-- format, scrubs the dumps with fixtures/hard-cases/rules.yaml and restores them.

-- Strings that break naive COPY or SQL handling. Used in ruled and unruled columns.
CREATE TABLE pg_temp.hard (k integer PRIMARY KEY, s text);
INSERT INTO pg_temp.hard VALUES
    (0, E'tab\there'),
    (1, E'new\nline'),
    (2, E'carriage\rreturn'),
    (3, E'crlf\r\nend'),
    (4, 'back\slash and C:\temp\new'),
    (5, '\N'),
    (6, NULL),
    (7, '\.'),
    (8, E'first line\n\\.\nlast line'),
    (9, 'inside \. a value'),
    (10, 'unicode: Zoë, Ærøskøbing, 東京, 🐘, ﬁ, Ω, é'),
    (11, 'quote '' and double " and ; semicolon'),
    (12, 'sql -- comment /* not a comment */ ),( VALUES (1'),
    (13, ''),
    (14, '   padded   '),
    (15, '\x41 \101 \\N escapes that are not'),
    (16, E'COPY public.people (id, email) FROM stdin;\n1\tleak@example.com\n\\.'),
    (17, E'control \x01\x02\x7f\b\f\v chars'),
    (18, '$$ dollar $tag$ quotes'),
    (19, E'ends with a backslash \\'),
    (20, E'\\'),
    (21, E'\t\t'),
    (22, 'NULL'),
    (23, E'E''not an escape string\\n''');

CREATE SCHEMA "Sales Dept";

CREATE TABLE public.people (
    id integer PRIMARY KEY,
    email text,
    full_name text NOT NULL,
    username varchar(20) NOT NULL UNIQUE,
    phone text,
    contact text,
    notes text,
    created_at timestamptz NOT NULL,
    tags text[],
    scores integer[],
    prefs json,
    settings jsonb,
    avatar bytea,
    weird text,
    weird_ruled text
);

INSERT INTO public.people
SELECT i,
       CASE WHEN i % 7 = 0 THEN NULL ELSE format('person%s@corp.example', lpad(i::text, 3, '0')) END,
       format('Person %s %s', lpad(i::text, 3, '0'), h.s),
       'user_' || lpad(i::text, 3, '0'),
       CASE WHEN i % 5 = 0 THEN NULL ELSE '+1-555-01' || lpad(i::text, 3, '0') END,
       CASE WHEN i % 6 = 0 THEN NULL ELSE format('contact%s@partner.example', lpad(i::text, 3, '0')) END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE format('note %s: %s', lpad(i::text, 3, '0'), h.s) END,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour 1 minute 1.5 seconds',
       CASE WHEN i % 9 = 0 THEN NULL ELSE ARRAY['plain', 'with space', 'with "quote"', E'back\\slash', NULL, h.s] END,
       CASE WHEN i % 2 = 0 THEN ARRAY[i, -i, 0] ELSE '{{1,2},{3,4}}'::integer[] END,
       CASE WHEN i % 3 = 0 THEN '{"spacing" :  "kept",   "n": 1}'::json
            ELSE json_build_object('n', i, 'text', h.s, 'nested', json_build_array(1, 'two', NULL)) END,
       CASE WHEN i % 8 = 0 THEN NULL ELSE jsonb_build_object('secret', format('jsonb-secret-%s', i), 'text', h.s) END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') || '\x005c0a09'::bytea END,
       h.s,
       h.s
FROM generate_series(1, 200) AS i
JOIN pg_temp.hard h ON h.k = i % 24;

CREATE TABLE "Sales Dept"."User Data" (
    id integer PRIMARY KEY,
    "E-Mail" text,
    "Full Name" text NOT NULL,
    "select" text,
    "MixedCase" integer,
    "quote""d" text
);

INSERT INTO "Sales Dept"."User Data"
SELECT i,
       CASE WHEN i % 9 = 0 THEN NULL ELSE format('ud%s@sales.example', lpad(i::text, 3, '0')) END,
       format('User Name %s %s', lpad(i::text, 3, '0'), h.s),
       format('choice-%s', lpad(i::text, 3, '0')),
       i * 10,
       format('quoted "%s"', i)
FROM generate_series(1, 60) AS i
JOIN pg_temp.hard h ON h.k = i % 24;

CREATE TABLE public.readings (
    id integer NOT NULL,
    taken_on date NOT NULL,
    device_email text,
    value numeric(8,3),
    PRIMARY KEY (id, taken_on)
) PARTITION BY RANGE (taken_on);
CREATE TABLE public.readings_2023 PARTITION OF public.readings
    FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE public.readings_2024 PARTITION OF public.readings
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');

INSERT INTO public.readings
SELECT i,
       date '2023-06-01' + i * 3,
       CASE WHEN i % 11 = 0 THEN NULL ELSE format('device%s@senso