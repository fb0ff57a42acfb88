//! Migrations run up, down and up again on both engines.

use crate::helpers::TestApp;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

async fn table_count(app: &TestApp) -> i64 {
    let sql = match app.engine {
        crate::helpers::Engine::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_fts%' AND name <> 'seaql_migrations'"
        }
        crate::helpers::Engine::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'"
        }
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    for app in TestApp::each_empty().await {
        assert_eq!(table_count(&app).await, 26, "{:?}", app.engine);
        Migrator::down(&app.db, None).await.expect("down");
        assert_eq!(table_count(&app).await, 0, "{:?}", app.engine);
        Migrator::up(&app.db, None).await.expect("up again");
        assert_eq!(table_count(&app).await, 26, "{:?}", app.engine);
        assert!(
            Migrator::get_pending_migrations(&app.db)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            medexchange::prepare_database(&app.db).await.unwrap(),
            "the report loads into the re-created schema"
        );
    }
}
