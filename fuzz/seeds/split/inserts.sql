--
-- PostgreSQL database dump
--

\restrict 7aTcfQ11CdzuVL0SZpG3GFqencEJPraLaghjTod0wMvwQvPXev9UTyzZMb17jVj

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: datetimes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.datetimes (
    id integer NOT NULL,
    event_id uuid NOT NULL,
    start_time timestamp with time zone NOT NULL,
    end_time timestamp with time zone,
    timezone text DEFAULT 'US/Eastern'::text NOT NULL
);


--
-- Name: datetimes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.datetimes_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: datetimes_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.datetimes_id_seq OWNED BY public.datetimes.id;


--
-- Name: event_series; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event_series (
    id uuid NOT NULL,
    title text NOT NULL,
    email text,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.events (
    id uuid NOT NULL,
    title text NOT NULL,
    slug text NOT NULL,
    description text,
    venue_id uuid,
    event_series_id uuid,
    email text NOT NULL,
    organizer_contact text,
    admission_fee text,
    ticket_link text,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    verified boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: partners; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.partners (
    id integer NOT NULL,
    name text NOT NULL,
    light_logo_url text,
    email text
);


--
-- Name: partners_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.partners_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: partners_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.partners_id_seq OWNED BY public.partners.id;


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id uuid NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    role text DEFAULT 'user'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: venues; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.venues (
    id uuid NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    address_street text,
    address_city text,
    address_state character(2),
    address_zip character varying(10),
    g_map_link text,
    email text,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: datetimes id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.datetimes ALTER COLUMN id SET DEFAULT nextval('public.datetimes_id_seq'::regclass);


--
-- Name: partners id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partners ALTER COLUMN id SET DEFAULT nextval('public.partners_id_seq'::regclass);


--
-- Data for Name: datetimes; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.datetimes (id, event_id, start_time, end_time, timezone) FROM stdin;
1	c2e8f4d0-3333-4a7a-8d3c-000000000001	2018-05-04 21:00:00+00	2018-05-05 01:00:00+00	US/Eastern
2	c2e8f4d0-3333-4a7a-8d3c-000000000001	2018-06-01 21:00:00+00	2018-06-02 01:00:00+00	US/Eastern
3	c2e8f4d0-3333-4a7a-8d3c-000000000002	2019-02-06 00:00:00+00	\N	US/Eastern
4	c2e8f4d0-3333-4a7a-8d3c-000000000003	2020-09-20 19:00:00+00	2020-09-