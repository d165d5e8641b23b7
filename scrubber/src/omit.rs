//! Statements a run leaves out on request, as `pg_restore --no-owner`, `--no-privileges` and
//! `--no-subscriptions` leave them out of a restore.
//!
//! `scripts/backup` makes the full and the anonymized plain SQL from one `pg_restore -f -`
//! stream. The anonymized copy is meant for developers' machines, where the production roles
//! do not exist and a subscription would try to connect to production: so scrub drops, in
//! that branch only, what pg_restore's three options would have dropped:
//!
//! * owner: `ALTER ... OWNER TO role;` and `SET`/`RESET SESSION AUTHORIZATION`;
//! * privileges: `GRANT`, `REVOKE` and `ALTER DEFAULT PRIVILEGES`;
//! * subscriptions: `CREATE SUBSCRIPTION`, `ALTER SUBSCRIPTION`, and comments and security
//!   labels on subscriptions.
//!
//! pg_dump's `-- Name: ...; Owner: role` comment lines stay (pg_restore writes `Owner: -`
//! there instead); they change nothing in a restore.

use crate::lex;

/// Which kinds of statement to leave out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Omit {
    pub owner: bool,
    pub privileges: bool,
    pub subscriptions: bool,
}

impl Omit {
    pub(crate) fn any(self) -> bool {
        self.owner || self.privileges || self.subscriptions
    }

    /// Whether the statement `text` (from its first word to its `;`) goes.
    pub(crate) fn drops(self, text: &[u8]) -> bool {
        let words = leading_words(text, 4);
        let starts = |w: &[&str]| {
            words.len() >= w.len() && words.iter().zip(w).all(|(a, b)| a.eq_ignore_ascii_case(b))
        };
        (self.owner
            && ((starts(&["ALTER"]) && sets_owner(text))
                || starts(&["SET", "SESSION", "AUTHORIZATION"])
                || starts(&["RESET", "SESSION", "AUTHORIZATION"])))
            || (self.privileges
                && (starts(&["GRANT"])
                    || starts(&["REVOKE"])
                    || starts(&["ALTER", "DEFAULT", "PRIVILEGES"])))
            || (self.subscriptions
                && (starts(&["CREATE", "SUBSCRIPTION"])
                    || starts(&["ALTER", "SUBSCRIPTION"])
                    || starts(&["COMMENT", "ON", "SUBSCRIPTION"])
                    || (starts(&["SECURITY", "LABEL"]) && on_subscription(text))))
    }
}

/// The first `n` words of a statement (letters and `_`), uppercase or not.
fn leading_words(text: &[u8], n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut at = 0;
    while out.len() < n {
        at = match lex::skip_trivia(text, at) {
            lex::Scan::Found(p) => p,
            lex::Scan::NeedMore => break,
        };
        let len = text[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic() || **b == b'_')
            .count();
        if len == 0 {
            break;
        }
        out.push(std::str::from_utf8(&text[at..at + len]).expect("ASCII"));
        at += len;
    }
    out
}

/// `ALTER <object> OWNER TO role;`: the statement ends with `OWNER TO` and one role name.
fn sets_owner(text: &[u8]) -> bool {
    let body = text.trim_ascii_end();
    let body = body.strip_suffix(b";").unwrap_or(body).trim_ascii_end();
    let Some(at) = memchr::memmem::rfind(body, b" OWNER TO ") else {
        return false;
    };
    let role = &body[at + b" OWNER TO ".len()..];
    !role.is_empty()
        && if role.starts_with(b"\"") {
            role.len() > 1 && role.ends_with(b"\"")
        } else {
            !role.iter().any(|b| b.is_ascii_whitespace() || *b == b'\'')
        }
}

/// `SECURITY LABEL [FOR provider] ON SUBSCRIPTION ...`
fn on_subscription(text: &[u8]) -> bool {
    leading_words(text, 6)
        .windows(2)
        .any(|w| w[0].eq_ignore_ascii_case("ON") && w[1].eq_ignore_ascii_case("SUBSCRIPTION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Omit = Omit {
        owner: true,
        privileges: true,
        subscriptions: true,
    };

    #[test]
    fn drops_what_pg_restore_would() {
        for statement in [
            "ALTER TABLE public.users OWNER TO postgres;",
            "ALTER FUNCTION public.f(integer, text) OWNER TO \"App Owner\";",
            "ALTER LARGE OBJECT 16401 OWNER TO app;",
            "ALTER SCHEMA public OWNER TO pg_database_owner;",
            "SET SESSION AUTHORIZATION 'app';",
            "RESET SESSION AUTHORIZATION;",
            "GRANT SELECT ON TABLE public.users TO reporting;",
            "REVOKE USAGE ON SCHEMA public FROM PUBLIC;",
            "ALTER DEFAULT PRIVILEGES FOR ROLE app IN SCHEMA public GRANT SELECT ON TABLES TO reporting;",
            "CREATE SUBSCRIPTION sub CONNECTION 'host=prod dbname=app' PUBLICATION pub WITH (connect = false, slot_name = 'sub');",
            "ALTER SUBSCRIPTION sub OWNER TO app;",
            "COMMENT ON SUBSCRIPTION sub IS 'from production';",
            "SECURITY LABEL FOR selinux ON SUBSCRIPTION sub IS 'x';",
        ] {
            assert!(ALL.drops(statement.as_bytes()), "{statement}");
        }
    }

    #[test]
    fn keeps_everything_else() {
        for statement in [
            "ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);",
            "ALTER TABLE public.t ALTER COLUMN note SET DEFAULT ' OWNER TO x';",
            "ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;",
            "CREATE TABLE public.grants (id integer);",
            "COMMENT ON TABLE public.users IS 'GRANT nothing';",
            "SECURITY LABEL FOR selinux ON TABLE public.users IS 'x';",
            "SET search_path = public;",
        ] {
            assert!(!ALL.drops(statement.as_bytes()), "{statement}");
        }
        assert!(!Omit::default().drops(b"GRANT SELECT ON TABLE t TO r;"));
        let owner_only = Omit {
            owner: true,
            ..Omit::default()
        };
        assert!(owner_only.drops(b"ALTER TABLE t OWNER TO r;"));
        assert!(!owner_only.drops(b"GRANT SELECT ON TABLE t TO r;"));
        assert!(!owner_only.drops(b"CREATE SUBSCRIPTION s CONNECTION '' PUBLICATION p;"));
    }
}
