-- The source database of every backup scenario: a small shop with personal
-- data in customers, orders and sessions, and an events table large enough
-- (about 1 MB as a custom-format dump) that a pg_dump killed after its first
-- kilobytes is really killed midway. All data is deterministic, so two dumps
-- of an unchanged database have the same content.
CREATE EXTENSION pg_trgm;

CREATE TABLE customers (
    id integer PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL,
    phone text,
    created_at timestamptz NOT NULL
);
CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops);

CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers,
    total numeric(10, 2) NOT NULL,
    note text
);

CREATE TABLE sessions (
    token text PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers
);

CREATE TABLE events (
    id bigint PRIMARY KEY,
    payload text NOT NULL
);

CREATE SEQUENCE invoice_numbers START 1000;
SELECT nextval('invoice_numbers') FROM generate_series(1, 5);

INSERT INTO customers
SELECT i, 'user' || i || '@corp.example', 'Customer Name ' || i, '+1 555 ' || lpad(i::text, 7, '0'),
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour'
FROM generate_series(1, 200) AS i;

INSERT INTO orders
SELECT i, 1 + i % 200, (i * 7 % 1000) + 0.99, 'deliver to the back door of ' || (i % 200 + 1) || ' Main Street'
FROM generate_series(1, 600) AS i;

INSERT INTO sessions SELECT md5('session' || i), i FROM generate_series(1, 50) AS i;

INSERT INTO events SELECT i, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, 20000) AS i;
