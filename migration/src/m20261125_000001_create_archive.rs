//! The first schema: institutions, specialties, speakers, exchanges (with
//! participants, specialties and talks), aid shipments, news items and photos,
//! each with a `*_translation` table holding its texts per language.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &[
    "institution",
    "institution_translation",
    "institution_alias",
    "specialty",
    "specialty_translation",
    "speaker",
    "speaker_translation",
    "exchange",
    "exchange_translation",
    "exchange_specialty",
    "exchange_participant",
    "talk",
    "talk_translation",
    "aid_shipment",
    "aid_shipment_translation",
    "news_item",
    "news_item_translation",
    "photo",
    "photo_translation",
    "photo_person",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for statement in create_tables() {
            manager.create_table(statement).await?;
        }
        for (table, columns, unique) in indexes() {
            let mut index = Index::create();
            index
                .name(format!("idx_{table}_{}", columns.join("_")))
                .table(*table);
            for column in *columns {
                index.col(*column);
            }
            if *unique {
                index.unique();
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Secondary indexes: (table, columns, unique).
fn indexes() -> &'static [(&'static str, &'static [&'static str], bool)] {
    &[
        ("institution", &["country"], false),
        ("institution_alias", &["institution_id", "alias"], true),
        ("speaker", &["institution_id"], false),
        ("exchange", &["starts_on", "id"], false),
        ("exchange", &["year"], false),
        ("exchange", &["fiscal_year"], false),
        ("exchange_specialty", &["specialty_id"], false),
        ("exchange_participant", &["institution_id"], false),
        ("talk", &["exchange_id"], false),
        ("talk", &["speaker_id"], false),
        ("aid_shipment", &["starts_on", "id"], false),
        ("photo", &["exchange_id"], false),
        ("photo", &["aid_shipment_id"], false),
        ("photo", &["news_item_id"], false),
        ("photo_person", &["speaker_id"], false),
    ]
}

fn id() -> ColumnDef {
    ColumnDef::new("id")
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn slug() -> ColumnDef {
    ColumnDef::new("slug")
        .string_len(200)
        .not_null()
        .unique_key()
        .to_owned()
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().to_owned()
}

fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}

/// A foreign key from `table.column` to `target.id`: children are deleted
/// with their parent (`cascade`), optional links are cleared (`set null`).
fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    cascade: bool,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(if cascade {
            ForeignKeyAction::Cascade
        } else {
            ForeignKeyAction::SetNull
        })
        .to_owned()
}

/// A `*_translation` table: one row per (owner, language) with the given
/// nullable text columns.
fn translation_table(
    owner: &'static str,
    table: &'static str,
    fields: &[&'static str],
) -> TableCreateStatement {
    let owner_id: &'static str = match owner {
        "institution" => "institution_id",
        "specialty" => "specialty_id",
        "speaker" => "speaker_id",
        "exchange" => "exchange_id",
        "talk" => "talk_id",
        "aid_shipment" => "aid_shipment_id",
        "news_item" => "news_item_id",
        "photo" => "photo_id",
        other => unreachable!("no translation table for {other}"),
    };
    let mut statement = Table::create();
    statement
        .table(table)
        .col(int(owner_id))
        .col(ColumnDef::new("lang").string_len(8).not_null())
        .primary_key(Index::create().col(owner_id).col("lang"))
        .foreign_key(&mut fk(table, owner_id, owner, true));
    for field in fields {
        statement.col(text_null(field));
    }
    statement.to_owned()
}

/// A link table between two entities, ordered by `position`.
fn link_table(
    table: &'static str,
    left: (&'static str, &'static str),
    right: (&'static str, &'static str),
) -> TableCreateStatement {
    Table::create()
        .table(table)
        .col(int(left.1))
        .col(int(right.1))
        .col(int("position"))
        .primary_key(Index::create().col(left.1).col(right.1))
        .foreign_key(&mut fk(table, left.1, left.0, true))
        .foreign_key(&mut fk(table, right.1, right.0, true))
        .to_owned()
}

fn create_tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("institution")
            .col(id())
            .col(slug())
            .col(ColumnDef::new("country").string_len(2).not_null())
            .col(ColumnDef::new("kind").string_len(32).not_null())
            .to_owned(),
        translation_table(
            "institution",
            "institution_translation",
            &["name", "region", "city"],
        ),
        Table::create()
            .table("institution_alias")
            .col(id())
            .col(int("institution_id"))
            .col(text("alias"))
            .foreign_key(&mut fk(
                "institution_alias",
                "institution_id",
                "institution",
                true,
            ))
            .to_owned(),
        Table::create()
            .table("specialty")
            .col(id())
            .col(slug())
            .to_owned(),
        translation_table("specialty", "specialty_translation", &["name"]),
        Table::create()
            .table("speaker")
            .col(id())
            .col(slug())
            .col(int_null("institution_id"))
            .foreign_key(&mut fk("speaker", "institution_id", "institution", false))
            .to_owned(),
        translation_table("speaker", "speaker_translation", &["name", "position"]),
        Table::create()
            .table("exchange")
            .col(id())
            .col(slug())
            .col(ColumnDef::new("date").string_len(10).not_null())
            .col(ColumnDef::new("starts_on").string_len(10).not_null())
            .col(ColumnDef::new("ends_on").string_len(10).not_null())
            .col(int("year"))
            .col(int_null("month"))
            .col(int("fiscal_year"))
            .col(ColumnDef::new("format").string_len(16).not_null())
            .to_owned(),
        translation_table("exchange", "exchange_translation", &["title", "summary"]),
        link_table(
            "exchange_specialty",
            ("exchange", "exchange_id"),
            ("specialty", "specialty_id"),
        ),
        link_table(
            "exchange_participant",
            ("exchange", "exchange_id"),
            ("institution", "institution_id"),
        ),
        Table::create()
            .table("talk")
            .col(id())
            .col(int("exchange_id"))
            .col(int("speaker_id"))
            .col(int("position"))
            .col(ColumnDef::new("kind").string_len(16).not_null())
            .foreign_key(&mut fk("talk", "exchange_id", "exchange", true))
            .foreign_key(&mut fk("talk", "speaker_id", "speaker", true))
            .to_owned(),
        translation_table("talk", "talk_translation", &["title"]),
        Table::create()
            .table("aid_shipment")
            .col(id())
            .col(slug())
            .col(ColumnDef::new("date").string_len(10).not_null())
            .col(ColumnDef::new("starts_on").string_len(10).not_null())
            .col(int("year"))
            .col(int_null("month"))
            .col(int("fiscal_year"))
            .col(ColumnDef::new("direction").string_len(16).not_null())
            .col(int_null("quantity"))
            .to_owned(),
        translation_table(
            "aid_shipment",
            "aid_shipment_translation",
            &["items", "sender", "recipient", "description"],
        ),
        Table::create()
            .table("news_item")
            .col(id())
            .col(slug())
            .col(ColumnDef::new("date").string_len(10).null())
            .col(int("fiscal_year"))
            .col(int("position"))
            .to_owned(),
        translation_table("news_item", "news_item_translation", &["title", "body"]),
        Table::create()
            .table("photo")
            .col(id())
            .col(slug())
            .col(int_null("exchange_id"))
            .col(int_null("aid_shipment_id"))
            .col(int_null("news_item_id"))
            .col(int_null("venue_institution_id"))
            .col(text_null("url"))
            .col(int("position"))
            .foreign_key(&mut fk("photo", "exchange_id", "exchange", true))
            .foreign_key(&mut fk("photo", "aid_shipment_id", "aid_shipment", true))
            .foreign_key(&mut fk("photo", "news_item_id", "news_item", true))
            .foreign_key(&mut fk(
                "photo",
                "venue_institution_id",
                "institution",
                false,
            ))
            .to_owned(),
        translation_table("photo", "photo_translation", &["caption"]),
        link_table(
            "photo_person",
            ("photo", "photo_id"),
            ("speaker", "speaker_id"),
        ),
    ]
}
