//! `medexchange generate`: a deterministic synthetic bilingual dataset for
//! benchmarks. The same `--exchanges` and `--seed` always give the same
//! rows; everything is added in one transaction, with slugs prefixed
//! `gen-<seed>-` so it never collides with curated data.
//!
//! Shape per exchange: one Chinese and one Japanese institution, one or two
//! specialties, 0 to 4 talks (about 2) and 1 to 5 photos (about 3), each
//! text in Chinese and Japanese (and English names for most institutions).

use crate::i18n::Lang;
use crate::i18n::sort_key::name_sort_keys;
use crate::model::ReportDate;
use crate::store::search_index::{self, DocKind, Owners};
use entity::{
    exchange, exchange_participant, exchange_specialty, exchange_translation, institution,
    institution_alias, institution_translation, photo, photo_person, photo_translation, speaker,
    speaker_translation, specialty, specialty_translation, talk,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set, Statement, TransactionTrait,
};

/// What a generation wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenerateSummary {
    /// Institutions added.
    pub institutions: usize,
    /// Speakers added.
    pub speakers: usize,
    /// Exchanges added.
    pub exchanges: usize,
    /// Talks added.
    pub talks: usize,
    /// Photos added.
    pub photos: usize,
}

impl std::fmt::Display for GenerateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::counts(&[
            (self.exchanges, "exchange", "exchanges"),
            (self.institutions, "institution", "institutions"),
            (self.speakers, "speaker", "speakers"),
            (self.talks, "talk", "talks"),
            (self.photos, "photo", "photos"),
        ]))
    }
}

/// Why generation refused to run or failed (nothing was written).
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The same seed was generated into this database before.
    #[error("a synthetic dataset with seed {0} is already in this database: choose another --seed")]
    SeedAlreadyUsed(u64),
    /// The database failed; the transaction was rolled back.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Chinese cities: (zh, ja, en, province zh, province ja, province en).
const CN_CITIES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "南宁",
        "南寧",
        "Nanning",
        "广西壮族自治区",
        "広西チワン族自治区",
        "Guangxi",
    ),
    (
        "北海",
        "北海",
        "Beihai",
        "广西壮族自治区",
        "広西チワン族自治区",
        "Guangxi",
    ),
    (
        "柳州",
        "柳州",
        "Liuzhou",
        "广西壮族自治区",
        "広西チワン族自治区",
        "Guangxi",
    ),
    ("南京", "南京", "Nanjing", "江苏省", "江蘇省", "Jiangsu"),
    ("常州", "常州", "Changzhou", "江苏省", "江蘇省", "Jiangsu"),
    ("苏州", "蘇州", "Suzhou", "江苏省", "江蘇省", "Jiangsu"),
    ("成都", "成都", "Chengdu", "四川省", "四川省", "Sichuan"),
    ("遂宁", "遂寧", "Suining", "四川省", "四川省", "Sichuan"),
    ("合肥", "合肥", "Hefei", "安徽省", "安徽省", "Anhui"),
    ("广州", "広州", "Guangzhou", "广东省", "広東省", "Guangdong"),
    ("深圳", "深圳", "Shenzhen", "广东省", "広東省", "Guangdong"),
    ("杭州", "杭州", "Hangzhou", "浙江省", "浙江省", "Zhejiang"),
    ("大连", "大連", "Dalian", "辽宁省", "遼寧省", "Liaoning"),
    ("沈阳", "瀋陽", "Shenyang", "辽宁省", "遼寧省", "Liaoning"),
    ("长沙", "長沙", "Changsha", "湖南省", "湖南省", "Hunan"),
    ("武汉", "武漢", "Wuhan", "湖北省", "湖北省", "Hubei"),
];

/// Japanese places: (ja, zh, en, prefecture ja, prefecture zh, prefecture en).
const JP_PLACES: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("亀田", "龟田", "Kameda", "千葉県", "千叶县", "Chiba"),
    ("順天堂", "顺天堂", "Juntendo", "東京都", "东京都", "Tokyo"),
    ("杏林", "杏林", "Kyorin", "東京都", "东京都", "Tokyo"),
    ("帝京", "帝京", "Teikyo", "東京都", "东京都", "Tokyo"),
    (
        "横浜",
        "横滨",
        "Yokohama",
        "神奈川県",
        "神奈川县",
        "Kanagawa",
    ),
    ("大阪", "大阪", "Osaka", "大阪府", "大阪府", "Osaka"),
    ("京都", "京都", "Kyoto", "京都府", "京都府", "Kyoto"),
    ("札幌", "札幌", "Sapporo", "北海道", "北海道", "Hokkaido"),
    ("仙台", "仙台", "Sendai", "宮城県", "宫城县", "Miyagi"),
    ("名古屋", "名古屋", "Nagoya", "愛知県", "爱知县", "Aichi"),
    ("広島", "广岛", "Hiroshima", "広島県", "广岛县", "Hiroshima"),
    ("福岡", "福冈", "Fukuoka", "福岡県", "福冈县", "Fukuoka"),
];

/// Specialties: (slug suffix, zh, ja, en).
const SPECIALTIES: &[(&str, &str, &str, &str)] = &[
    (
        "rehabilitation",
        "康复医学",
        "リハビリテーション",
        "Rehabilitation",
    ),
    ("cardiology", "心血管内科", "循環器内科", "Cardiology"),
    (
        "gastrointestinal-surgery",
        "胃肠外科",
        "胃腸外科",
        "Gastrointestinal surgery",
    ),
    (
        "colorectal-surgery",
        "大肠外科",
        "大腸外科",
        "Colorectal surgery",
    ),
    ("pharmacy", "药剂科", "薬剤部", "Pharmacy"),
    ("endocrinology", "内分泌科", "内分泌内科", "Endocrinology"),
    ("nephrology", "肾脏内科", "腎臓内科", "Nephrology"),
    ("oncology", "肿瘤学", "腫瘍学", "Oncology"),
    (
        "health-checkups",
        "健康体检",
        "健康診断",
        "Health check-ups",
    ),
    ("nursing", "护理", "看護", "Nursing"),
];

/// Kana readings of the Japanese place names, city names (as the Japanese
/// read Chinese ones) and personal names above and below.
const READINGS: &[(&str, &str)] = &[
    ("南寧", "なんねい"),
    ("北海", "ほっかい"),
    ("柳州", "りゅうしゅう"),
    ("南京", "なんきん"),
    ("常州", "じょうしゅう"),
    ("蘇州", "そしゅう"),
    ("成都", "せいと"),
    ("遂寧", "すいねい"),
    ("合肥", "ごうひ"),
    ("広州", "こうしゅう"),
    ("深圳", "しんせん"),
    ("杭州", "こうしゅう"),
    ("大連", "だいれん"),
    ("瀋陽", "しんよう"),
    ("長沙", "ちょうさ"),
    ("武漢", "ぶかん"),
    ("亀田", "かめだ"),
    ("順天堂", "じゅんてんどう"),
    ("杏林", "きょうりん"),
    ("帝京", "ていきょう"),
    ("横浜", "よこはま"),
    ("大阪", "おおさか"),
    ("京都", "きょうと"),
    ("札幌", "さっぽろ"),
    ("仙台", "せんだい"),
    ("名古屋", "なごや"),
    ("広島", "ひろしま"),
    ("福岡", "ふくおか"),
    ("伊藤", "いとう"),
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("渡辺", "わたなべ"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("山田", "やまだ"),
    ("木下", "きのした"),
    ("福永", "ふくなが"),
    ("村永", "むらなが"),
    ("大津", "おおつ"),
    ("雅昭", "まさあき"),
    ("敬弘", "たかひろ"),
    ("哲", "てつ"),
    ("信吾", "しんご"),
    ("敦", "あつし"),
    ("健一", "けんいち"),
    ("直樹", "なおき"),
    ("誠", "まこと"),
    ("裕子", "ゆうこ"),
    ("美香", "みか"),
    ("隆", "たかし"),
    ("聡", "さとし"),
    ("恵", "めぐみ"),
    ("浩", "ひろし"),
];

/// The kana reading of a name part above (the part itself if unlisted).
fn reading(word: &str) -> &str {
    READINGS
        .iter()
        .find(|(written, _)| *written == word)
        .map_or(word, |(_, kana)| kana)
}

const FAMILY_NAMES: &[&str] = &[
    "伊藤", "佐藤", "鈴木", "高橋", "田中", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
    "木下", "福永", "村永", "大津",
];
const GIVEN_NAMES: &[&str] = &[
    "雅昭", "敬弘", "哲", "信吾", "敦", "健一", "直樹", "誠", "裕子", "美香", "隆", "聡", "恵",
    "浩",
];

/// Rows waiting to be inserted. Parents are flushed before their children,
/// so foreign keys hold at every statement.
struct Batch<A: ActiveModelTrait> {
    rows: Vec<A>,
}

impl<A: ActiveModelTrait + Send> Batch<A> {
    /// Rows per INSERT statement (well under both engines' parameter limits).
    const SIZE: usize = 1000;

    fn new() -> Self {
        Batch { rows: Vec::new() }
    }

    fn push(&mut self, row: A) {
        self.rows.push(row);
    }

    async fn flush<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        while !self.rows.is_empty() {
            let rest = self.rows.split_off(self.rows.len().min(Self::SIZE));
            let chunk = std::mem::replace(&mut self.rows, rest);
            A::Entity::insert_many(chunk)
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

/// Exchanges written per round of flushes.
const EXCHANGES_PER_ROUND: usize = 500;

/// The next free id of a table.
async fn next_id<E: EntityTrait, C: ConnectionTrait>(db: &C, id: E::Column) -> Result<i32, DbErr> {
    let max: Option<Option<i32>> = E::find()
        .select_only()
        .column_as(Expr::expr(Func::max(Expr::col(id))), "max_id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// Adds `exchanges` synthetic exchanges (and what they need) with `seed`.
pub async fn generate(
    db: &DatabaseConnection,
    exchanges: usize,
    seed: u64,
) -> Result<GenerateSummary, GenerateError> {
    let prefix = format!("gen-{seed}-");
    let used = specialty::Entity::find()
        .filter(specialty::Column::Slug.starts_with(prefix.as_str()))
        .count(db)
        .await?;
    if used > 0 {
        return Err(GenerateError::SeedAlreadyUsed(seed));
    }
    let txn = db.begin().await?;
    let summary = write(&txn, &prefix, exchanges, seed).await?;
    crate::store::data_version::bump(&txn).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        for table in [
            "institution",
            "institution_alias",
            "specialty",
            "speaker",
            "exchange",
            "talk",
            "photo",
        ] {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            );
            txn.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await?;
        }
    }
    txn.commit().await?;
    crate::store::refresh_statistics(db).await?;
    Ok(summary)
}

async fn write<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
    count: usize,
    seed: u64,
) -> Result<GenerateSummary, DbErr> {
    let mut rng = Rng(seed ^ 0x6D65_6465_7863_6867);
    let mut summary = GenerateSummary {
        exchanges: count,
        ..Default::default()
    };

    let first_specialty = next_id::<specialty::Entity, _>(db, specialty::Column::Id).await?;
    let mut specialties = Batch::<specialty::ActiveModel>::new();
    let mut specialty_texts = Batch::<specialty_translation::ActiveModel>::new();
    for (i, (slug, zh, ja, en)) in SPECIALTIES.iter().enumerate() {
        let id = first_specialty + i as i32;
        specialties.push(specialty::ActiveModel {
            id: Set(id),
            slug: Set(format!("{prefix}{slug}")),
        });
        for (lang, name) in [("zh", zh), ("ja", ja), ("en", en)] {
            let row = specialty_translation::ActiveModel {
                specialty_id: Set(id),
                lang: Set(lang.into()),
                name: Set(Some((*name).into())),
            };
            specialty_texts.push(row);
        }
    }
    specialties.flush(db).await?;
    specialty_texts.flush(db).await?;
    let last_specialty = first_specialty + SPECIALTIES.len() as i32 - 1;
    search_index::reindex(
        db,
        DocKind::Specialty,
        Owners::Range(first_specialty, last_specialty),
    )
    .await?;

    let institution_count = (count / 50).max(20);
    summary.institutions = institution_count;
    let first_institution = next_id::<institution::Entity, _>(db, institution::Column::Id).await?;
    let first_alias =
        next_id::<institution_alias::Entity, _>(db, institution_alias::Column::Id).await?;
    let mut institutions = Batch::<institution::ActiveModel>::new();
    let mut institution_texts = Batch::<institution_translation::ActiveModel>::new();
    let mut aliases = Batch::<institution_alias::ActiveModel>::new();
    let (mut cn_ids, mut jp_ids) = (Vec::new(), Vec::new());
    for i in 0..institution_count {
        let id = first_institution + i as i32;
        let chinese = i % 2 == 0;
        let number = i / 2 + 1;
        let (country, zh, ja, en, region, city, kana) = if chinese {
            cn_ids.push(id);
            let c = rng.pick(CN_CITIES);
            (
                "CN",
                format!("{}市第{number}人民医院", c.0),
                format!("{}市第{number}人民病院", c.1),
                format!("The No. {number} People's Hospital of {}", c.2),
                [c.3, c.4, c.5],
                [format!("{}市", c.0), format!("{}市", c.1), c.2.to_owned()],
                format!("{}しだい{number}じんみんびょういん", reading(c.1)),
            )
        } else {
            jp_ids.push(id);
            let p = rng.pick(JP_PLACES);
            (
                "JP",
                format!("{}第{number}综合医院", p.1),
                format!("{}第{number}総合病院", p.0),
                format!("{} General Hospital No. {number}", p.2),
                [p.4, p.3, p.5],
                [format!("{}市", p.1), format!("{}市", p.0), p.2.to_owned()],
                format!("{}だい{number}そうごうびょういん", reading(p.0)),
            )
        };
        let with_english = rng.below(4) != 0;
        let mut names = vec![
            (Lang::Zh, zh.as_str(), None),
            (Lang::Ja, ja.as_str(), Some(kana.as_str())),
        ];
        if with_english {
            names.push((Lang::En, en.as_str(), None));
        }
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&names);
        let row = institution::ActiveModel {
            id: Set(id),
            slug: Set(format!("{prefix}institution-{i}")),
            country: Set(country.into()),
            kind: Set("HOSPITAL".into()),
            sort_zh: Set(sort_zh),
            sort_ja: Set(sort_ja),
            sort_en: Set(sort_en),
        };
        institutions.push(row);
        for (k, (lang, name)) in [("zh", zh.clone()), ("ja", ja.clone()), ("en", en)]
            .into_iter()
            .enumerate()
        {
            if lang == "en" && !with_english {
                continue;
            }
            let row = institution_translation::ActiveModel {
                institution_id: Set(id),
                lang: Set(lang.into()),
                name: Set(Some(name)),
                region: Set(Some(region[k].to_owned())),
                city: Set(Some(city[k].clone())),
                reading: Set((lang == "ja").then(|| kana.clone())),
            };
            institution_texts.push(row);
        }
        let alias = format!("{}{}", if chinese { "中国" } else { "日本" }, zh);
        let row = institution_alias::ActiveModel {
            id: Set(first_alias + i as i32),
            institution_id: Set(id),
            alias: Set(alias),
        };
        aliases.push(row);
    }
    institutions.flush(db).await?;
    institution_texts.flush(db).await?;
    aliases.flush(db).await?;
    let last_institution = first_institution + institution_count as i32 - 1;
    search_index::reindex(
        db,
        DocKind::Institution,
        Owners::Range(first_institution, last_institution),
    )
    .await?;

    let speaker_count = (count / 20).max(10);
    summary.speakers = speaker_count;
    let first_speaker = next_id::<speaker::Entity, _>(db, speaker::Column::Id).await?;
    let mut speakers = Batch::<speaker::ActiveModel>::new();
    let mut speaker_texts = Batch::<speaker_translation::ActiveModel>::new();
    for i in 0..speaker_count {
        let id = first_speaker + i as i32;
        let home = *rng.pick(&jp_ids);
        let (family, given) = (rng.pick(FAMILY_NAMES), rng.pick(GIVEN_NAMES));
        let name = format!("{family}{given}");
        let kana = format!("{} {}", reading(family), reading(given));
        let names = [
            (Lang::Zh, name.as_str(), None),
            (Lang::Ja, name.as_str(), Some(kana.as_str())),
        ];
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&names);
        let row = speaker::ActiveModel {
            id: Set(id),
            slug: Set(format!("{prefix}speaker-{i}")),
            institution_id: Set(Some(home)),
            sort_zh: Set(sort_zh),
            sort_ja: Set(sort_ja),
            sort_en: Set(sort_en),
        };
        speakers.push(row);
        for (lang, position) in [("zh", "科长"), ("ja", "科長")] {
            let row = speaker_translation::ActiveModel {
                speaker_id: Set(id),
                lang: Set(lang.into()),
                name: Set(Some(name.clone())),
                position: Set(Some(position.into())),
                reading: Set((lang == "ja").then(|| kana.clone())),
            };
            speaker_texts.push(row);
        }
    }
    speakers.flush(db).await?;
    speaker_texts.flush(db).await?;
    let last_speaker = first_speaker + speaker_count as i32 - 1;
    search_index::reindex(
        db,
        DocKind::Speaker,
        Owners::Range(first_speaker, last_speaker),
    )
    .await?;

    let first_exchange = next_id::<exchange::Entity, _>(db, exchange::Column::Id).await?;
    let first_talk = next_id::<talk::Entity, _>(db, talk::Column::Id).await?;
    let first_photo = next_id::<photo::Entity, _>(db, photo::Column::Id).await?;
    let mut exchange_rows = Batch::<exchange::ActiveModel>::new();
    let mut exchange_texts = Batch::<exchange_translation::ActiveModel>::new();
    let mut participants = Batch::<exchange_participant::ActiveModel>::new();
    let mut exchange_specialties = Batch::<exchange_specialty::ActiveModel>::new();
    let mut talks = Batch::<talk::ActiveModel>::new();
    let mut photos = Batch::<photo::ActiveModel>::new();
    let mut photo_texts = Batch::<photo_translation::ActiveModel>::new();
    let mut people = Batch::<photo_person::ActiveModel>::new();
    let (mut talk_id, mut photo_id) = (first_talk, first_photo);
    for i in 0..count {
        let id = first_exchange + i as i32;
        let year = 2015 + rng.below(11) as i32;
        let month = 1 + rng.below(12) as u32;
        let day = (rng.below(3) == 0).then(|| 1 + rng.below(28) as u32);
        let date = ReportDate { year, month, day };
        let cn = *rng.pick(&cn_ids);
        let jp = *rng.pick(&jp_ids);
        let specialty = rng.below(SPECIALTIES.len());
        let (_, spec_zh, spec_ja, _) = SPECIALTIES[specialty];
        let format = ["ONLINE", "ONLINE", "IN_PERSON", "HYBRID"][rng.below(4)];
        let row = exchange::ActiveModel {
            id: Set(id),
            slug: Set(format!("{prefix}exchange-{i}")),
            date: Set(date.to_string()),
            starts_on: Set(date.first_day()),
            ends_on: Set(date.last_day()),
            year: Set(year),
            month: Set(Some(month as i32)),
            fiscal_year: Set(date.fiscal_year()),
            format: Set(format.into()),
        };
        exchange_rows.push(row);
        let titles = [
            (
                "zh",
                format!("第{i}次{spec_zh}云端交流"),
                format!("{month}月，中日两家医院就{spec_zh}进行了交流。"),
            ),
            (
                "ja",
                format!("第{i}回{spec_ja}オンライン交流"),
                format!("{month}月、日中の病院が{spec_ja}について交流を行いました。"),
            ),
        ];
        for (lang, title, summary) in titles {
            let row = exchange_translation::ActiveModel {
                exchange_id: Set(id),
                lang: Set(lang.into()),
                title: Set(Some(title)),
                summary: Set(Some(summary)),
            };
            exchange_texts.push(row);
        }
        for (position, institution_id) in [cn, jp].into_iter().enumerate() {
            let row = exchange_participant::ActiveModel {
                exchange_id: Set(id),
                institution_id: Set(institution_id),
                position: Set(position as i32),
            };
            participants.push(row);
        }
        let mut covered = vec![specialty];
        if rng.below(3) == 0 {
            let second = rng.below(SPECIALTIES.len());
            if second != specialty {
                covered.push(second);
            }
        }
        for (position, s) in covered.into_iter().enumerate() {
            let row = exchange_specialty::ActiveModel {
                exchange_id: Set(id),
                specialty_id: Set(first_specialty + s as i32),
                position: Set(position as i32),
            };
            exchange_specialties.push(row);
        }
        let mut exchange_speakers = Vec::new();
        for position in 0..rng.below(5) {
            let speaker = first_speaker + rng.below(speaker_count) as i32;
            if exchange_speakers.contains(&speaker) {
                continue;
            }
            exchange_speakers.push(speaker);
            let kind = if position == 0 && rng.below(4) == 0 {
                "GREETING"
            } else {
                "LECTURE"
            };
            let row = talk::ActiveModel {
                id: Set(talk_id),
                exchange_id: Set(id),
                speaker_id: Set(speaker),
                position: Set(position as i32),
                kind: Set(kind.into()),
            };
            talks.push(row);
            talk_id += 1;
            summary.talks += 1;
        }
        for position in 0..1 + rng.below(5) {
            let venue = [Some(cn), Some(jp), None][rng.below(3)];
            let row = photo::ActiveModel {
                id: Set(photo_id),
                slug: Set(format!("{prefix}photo-{i}-{position}")),
                exchange_id: Set(Some(id)),
                aid_shipment_id: Set(None),
                news_item_id: Set(None),
                venue_institution_id: Set(venue),
                url: Set(None),
                position: Set(position as i32),
            };
            photos.push(row);
            let captions = [
                ("zh", format!("{spec_zh}交流的情景（{position}）")),
                ("ja", format!("{spec_ja}交流の様子（{position}）")),
            ];
            for (lang, caption) in captions {
                let row = photo_translation::ActiveModel {
                    photo_id: Set(photo_id),
                    lang: Set(lang.into()),
                    caption: Set(Some(caption)),
                };
                photo_texts.push(row);
            }
            if let Some(speaker) = exchange_speakers.get(position) {
                let row = photo_person::ActiveModel {
                    photo_id: Set(photo_id),
                    speaker_id: Set(*speaker),
                    position: Set(0),
                };
                people.push(row);
            }
            photo_id += 1;
            summary.photos += 1;
        }
        if (i + 1) % EXCHANGES_PER_ROUND == 0 || i + 1 == count {
            exchange_rows.flush(db).await?;
            exchange_texts.flush(db).await?;
            participants.flush(db).await?;
            exchange_specialties.flush(db).await?;
            talks.flush(db).await?;
            photos.flush(db).await?;
            photo_texts.flush(db).await?;
            people.flush(db).await?;
        }
    }
    if count > 0 {
        let last_exchange = first_exchange + count as i32 - 1;
        search_index::reindex(
            db,
            DocKind::Exchange,
            Owners::Range(first_exchange, last_exchange),
        )
        .await?;
        search_index::reindex(db, DocKind::Photo, Owners::Range(first_photo, photo_id - 1)).await?;
    }
    Ok(summary)
}
