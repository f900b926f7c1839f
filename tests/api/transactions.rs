//! Write transactions on SQLite begin with `BEGIN IMMEDIATE`: transactions that read
//! before they write wait their turn instead of failing with SQLITE_BUSY, and none of
//! their writes is lost.

use diesel::RunQueryDsl;
use diesel::sql_types::Integer;

use crate::helpers::{Backend, backend, spawn_app};

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = Integer)]
    n: i32,
}

#[tokio::test]
async fn concurrent_read_then_write_transactions_all_commit_and_lose_nothing() {
    if backend() != Backend::Sqlite {
        // PostgreSQL has row locks for this; the SQLite lock upgrade is what is tested.
        return;
    }
    let app = spawn_app().await;
    let db = app.state.db.clone();
    db.run(|c| {
        diesel::sql_query("CREATE TABLE tx_counter (n INTEGER NOT NULL)").execute(c)?;
        diesel::sql_query("INSERT INTO tx_counter (n) VALUES (0)").execute(c)?;
        Ok(())
    })
    .await
    .unwrap();
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                db.transaction(|c| {
                    let Count { n } =
                        diesel::sql_query("SELECT n FROM tx_counter").get_result::<Count>(c)?;
                    // Hold the read a moment, so the transactions overlap.
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    diesel::sql_query("UPDATE tx_counter SET n = ?")
                        .bind::<Integer, _>(n + 1)
                        .execute(c)?;
                    Ok(())
                })
                .await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("no transaction fails with SQLITE_BUSY");
    }
    let Count { n } = db
        .run(|c| Ok(diesel::sql_query("SELECT n FROM tx_counter").get_result::<Count>(c)?))
        .await
        .unwrap();
    assert_eq!(n, 24, "every increment is kept");
}
