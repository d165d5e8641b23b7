--
-- PostgreSQL database dump
--

SET standard_conforming_strings = on;

CREATE TABLE public.contacts (id integer, doc jsonb, aliases text[], bio text);

COPY public.contacts (id, doc, aliases, bio) FROM stdin;
1	{"name": "Ann", "email": "ann@corp.com", "phones": ["+1 202 555 0143", 5], "kids": [{"name": "Bo"}]}	{ann,"A. \\"Nn\\"",NULL}	Call ann@corp.com or +44 20 7946 0018; card 4111 1111 1111 1111
2	\N	{}	\N
3	{"email": null, "x": "a\\tb\\u00e9"}	{{a,b},{c,d}}	no\tdata\nhere
\.

INSERT INTO public.contacts (id, doc, aliases, bio) VALUES (4, '{"email": "o''b@x.org"}', '{"x y",z}', E'line\nnext bob@x.io');
INSERT INTO public.customers VALUES (9, 'e@x', 'N', 'u', '1', 'n', '2024-01-01');

--
-- PostgreSQL database dump complete
--

