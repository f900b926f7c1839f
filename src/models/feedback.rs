//! The `video_feedback` table: a viewer's rating of the signing, one per viewer per
//! video.

use diesel::prelude::*;

use crate::db::schema::video_feedback;
use crate::db::{DbConnection, DbError, now};

pub const RATINGS: [&str; 3] = ["accurate", "helpful", "inaccurate"];

#[derive(Debug, Insertable)]
#[diesel(table_name = video_feedback)]
struct NewFeedback<'a> {
    video_id: i32,
    user_id: i32,
    rating: &'a str,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

/// Set (or change) `user_id`'s rating of `video_id`. Upserts do not compile through
/// the multi-backend connection, so: update, else insert, inside one transaction; a
/// concurrent insert of the same pair loses on the unique index and is retried once as
/// an update.
pub fn set(
    conn: &mut DbConnection,
    video_id: i32,
    user_id: i32,
    rating: &str,
) -> Result<(), DbError> {
    let attempt = |conn: &mut DbConnection| {
        crate::db::write_transaction(conn, |conn| {
            let at = now();
            let n = diesel::update(
                video_feedback::table
                    .filter(video_feedback::video_id.eq(video_id))
                    .filter(video_feedback::user_id.eq(user_id)),
            )
            .set((
                video_feedback::rating.eq(rating),
                video_feedback::updated_at.eq(at),
            ))
            .execute(conn)?;
            if n == 0 {
                diesel::insert_into(video_feedback::table)
                    .values(&NewFeedback {
                        video_id,
                        user_id,
                        rating,
                        created_at: at,
                        updated_at: at,
                    })
                    .execute(conn)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
    };
    match attempt(conn) {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(attempt(conn)?),
        other => Ok(other?),
    }
}

/// The viewer's own rating, if any.
pub fn rating_of(
    conn: &mut DbConnection,
    video_id: i32,
    user_id: i32,
) -> Result<Option<String>, DbError> {
    Ok(video_feedback::table
        .filter(video_feedback::video_id.eq(video_id))
        .filter(video_feedback::user_id.eq(user_id))
        .select(video_feedback::rating)
        .first(conn)
        .optional()?)
}

/// How many viewers gave each rating, in the order of [`RATINGS`].
pub fn counts(conn: &mut DbConnection, video_id: i32) -> Result<Vec<(String, i64)>, DbError> {
    let mut out = Vec::with_capacity(RATINGS.len());
    for rating in RATINGS {
        let n: i64 = video_feedback::table
            .filter(video_feedback::video_id.eq(video_id))
            .filter(video_feedback::rating.eq(rating))
            .count()
            .get_result(conn)?;
        out.push((rating.to_owned(), n));
    }
    Ok(out)
}

pub fn remove(conn: &mut DbConnection, video_id: i32, user_id: i32) -> Result<usize, DbError> {
    Ok(diesel::delete(
        video_feedback::table
            .filter(video_feedback::video_id.eq(video_id))
            .filter(video_feedback::user_id.eq(user_id)),
    )
    .execute(conn)?)
}

/// Every rating `user_id` gave, as (video id, rating, when it was last changed), oldest
/// first (the person's data export).
pub fn given_by(
    conn: &mut DbConnection,
    user_id: i32,
) -> Result<Vec<(i32, String, chrono::NaiveDateTime)>, DbError> {
    Ok(video_feedback::table
        .filter(video_feedback::user_id.eq(user_id))
        .order(video_feedback::id)
        .select((
            video_feedback::video_id,
            video_feedback::rating,
            video_feedback::updated_at,
        ))
        .load(conn)?)
}
