//! Migrations carry the data of a database made by an earlier version.

use cookie_jar::{data::db::MIGRATIONS, domain::prefs::Preferences};
use sqlx::{any::install_default_drivers, AnyPool};

use crate::common::fresh_database;

/// The last migration before preferences moved into one JSON column.
const BEFORE_PREFERENCES_JSON: i64 = 20261201000001;

#[tokio::test]
async fn account_preferences_move_into_the_json_column_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    install_default_drivers();
    let pool = AnyPool::connect(&url).await.unwrap();
    MIGRATIONS
        .run_to(BEFORE_PREFERENCES_JSON, &pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, theme, page_size, created_at)
         VALUES (1, 'a@example.com', 'A', 'x', 'dark', 24, 0),
                (2, 'b@example.com', 'B', 'x', 'system', 12, 0),
                (3, 'c@example.com', 'C', 'x', 'light', 12, 0),
                (4, 'd@example.com', 'D', 'x', 'system', 6, 0)",
    )
    .execute(&pool)
    .await
    .unwrap();

    MIGRATIONS.run(&pool).await.unwrap();
    let stored: Vec<String> = sqlx::query_scalar("SELECT preferences FROM users ORDER BY id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        [
            r#"{"theme":"dark","page_size":24}"#,
            "{}",
            r#"{"theme":"light"}"#,
            r#"{"page_size":6}"#
        ]
    );
    let read: Vec<(String, i64)> = stored
        .into_iter()
        .map(|json| Preferences::try_from(json).unwrap())
        .map(|p| (p.theme().to_string(), p.page_size().get()))
        .collect();
    assert_eq!(
        read,
        [
            ("dark".into(), 24),
            ("system".into(), 12),
            ("light".into(), 12),
            ("system".into(), 6)
        ]
    );
    pool.close().await;
}
