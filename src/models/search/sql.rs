//! A raw SQL statement built piece by piece, with each value bound (never spliced) and
//! the placeholders the backend wants (`$1` on PostgreSQL, `?` on SQLite).

use chrono::NaiveDateTime;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Double, Text, Timestamp};

use crate::db::{DbConnection, MultiBackend};

pub(super) struct Sql {
    query: Option<BoxedSqlQuery<'static, MultiBackend, SqlQuery>>,
    pub(super) pg: bool,
    binds: usize,
}

impl Sql {
    pub(super) fn new(conn: &DbConnection) -> Self {
        Sql {
            query: Some(diesel::sql_query("").into_boxed()),
            pg: matches!(conn, DbConnection::Pg(_)),
            binds: 0,
        }
    }

    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        if let Some(q) = self.query.take() {
            self.query = Some(q.sql(text));
        }
        self
    }

    fn placeholder(&mut self) {
        self.binds += 1;
        let ph = if self.pg {
            format!("${}", self.binds)
        } else {
            "?".to_owned()
        };
        self.push(&ph);
    }

    pub(super) fn text(&mut self, value: String) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<Text, _>(value));
        }
        self
    }

    pub(super) fn time(&mut self, value: NaiveDateTime) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<Timestamp, _>(value));
        }
        self
    }

    pub(super) fn double(&mut self, value: f64) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<Double, _>(value));
        }
        self
    }

    pub(super) fn bigint(&mut self, value: i64) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<BigInt, _>(value));
        }
        self
    }

    pub(super) fn finish(self) -> BoxedSqlQuery<'static, MultiBackend, SqlQuery> {
        self.query
            .unwrap_or_else(|| diesel::sql_query("").into_boxed())
    }
}
