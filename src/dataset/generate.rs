//! `medexchange generate`: a deterministic synthetic bilingual dataset for
//! benchmarks. The same `--exchanges` and `--seed` always give the same
//! rows; everything is added in one transaction, with slugs prefixed
//! `gen-<seed>-` so it never collides with curated data.
//!
//! Shape per exchange: one Chinese and one Japanese institution, one or two
//! specialties, 0 to 4 talks (about 2) and 1 to 5 photos (about 3), each
//! text in Chinese and Japanese (and English names for most institutions).

use crate::domain::vocabulary::ReportDate;
use crate::i18n::Lang;
use crate::i18n::sort_key::name_sort_keys;
use crate::store::bulk::{self, Batch};
use crate::store::rows::{
    exchange, exchange_participant, exchange_specialty, exchange_translation, institution,
    institution_alias, institution_translation, photo, photo_person, photo_translation, speaker,
    speaker_translation, specialty, specialty_translation, talk,
};
use crate::store::search_index::{self, DocKind, Owners};
use crate::store::{ConnectionTrait, DatabaseConnection, DbErr};

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

/// Exchanges written per round of flushes.
const EXCHANGES_PER_ROUND: usize = 500;

/// Exchanges whose texts (and their photos') are indexed together.
const EXCHANGES_PER_INDEXING: usize = 20_000;

/// Adds `exchanges` synthetic exchanges (and what they need) with `seed`.
pub async fn generate(
    db: &DatabaseConnection,
    exchanges: usize,
    seed: u64,
) -> Result<GenerateSummary, GenerateError> {
    let prefix = format!("gen-{seed}-");
    if bulk::prefix_used(db, &prefix).await? {
        return Err(GenerateError::SeedAlreadyUsed(seed));
    }
    let txn = bulk::begin(db).await?;
    let summary = write(&txn, &prefix, exchanges, seed).await?;
    bulk::commit(db, txn).await?;
    Ok(summary)
}

async fn write<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
    count: usize,
    seed: u64,
) -> Result<GenerateSummary, DbErr> {
    let mut rng = Rng(seed ^ 0x6D65_6465_7863_6867);
    let first_specialty = write_specialties(db, prefix).await?;
    let (cn_ids, jp_ids) = write_institutions(db, prefix, count, &mut rng).await?;
    let (first_speaker, speaker_count) =
        write_speakers(db, prefix, count, &mut rng, &jp_ids).await?;
    let written = Written {
        first_specialty,
        cn_ids,
        jp_ids,
        first_speaker,
        speaker_count,
    };
    let (talks, photos) = write_exchanges(db, prefix, count, &mut rng, &written).await?;
    Ok(GenerateSummary {
        institutions: written.cn_ids.len() + written.jp_ids.len(),
        speakers: speaker_count,
        exchanges: count,
        talks,
        photos,
    })
}

/// The specialties; returns the first one's id.
async fn write_specialties<C: ConnectionTrait>(db: &C, prefix: &str) -> Result<i32, DbErr> {
    let first_specialty = bulk::next_id::<specialty::Entity, _>(db, specialty::Column::Id).await?;
    let mut specialties = Batch::<specialty::Model>::default();
    let mut specialty_texts = Batch::<specialty_translation::Model>::default();
    for (i, (slug, zh, ja, en)) in SPECIALTIES.iter().enumerate() {
        let id = first_specialty + i as i32;
        specialties.push(specialty::Model {
            version: 1,
            deleted_at: None,
            id,
            slug: format!("{prefix}{slug}"),
        });
        for (lang, name) in [("zh", zh), ("ja", ja), ("en", en)] {
            let row = specialty_translation::Model {
                specialty_id: id,
                lang: lang.into(),
                name: Some((*name).into()),
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
    Ok(first_specialty)
}

/// The names of a generated institution, and where it is.
struct Place {
    country: &'static str,
    zh: String,
    ja: String,
    en: String,
    /// Province or prefecture in zh, ja, en.
    region: [&'static str; 3],
    /// City in zh, ja, en.
    city: [String; 3],
    /// The kana reading of the Japanese name.
    kana: String,
}

/// Institution number `i`: Chinese when `i` is even, else Japanese.
fn place(i: usize, rng: &mut Rng) -> Place {
    let number = i / 2 + 1;
    if i.is_multiple_of(2) {
        let c = rng.pick(CN_CITIES);
        Place {
            country: "CN",
            zh: format!("{}市第{number}人民医院", c.0),
            ja: format!("{}市第{number}人民病院", c.1),
            en: format!("The No. {number} People's Hospital of {}", c.2),
            region: [c.3, c.4, c.5],
            city: [format!("{}市", c.0), format!("{}市", c.1), c.2.to_owned()],
            kana: format!("{}しだい{number}じんみんびょういん", reading(c.1)),
        }
    } else {
        let p = rng.pick(JP_PLACES);
        Place {
            country: "JP",
            zh: format!("{}第{number}综合医院", p.1),
            ja: format!("{}第{number}総合病院", p.0),
            en: format!("{} General Hospital No. {number}", p.2),
            region: [p.4, p.3, p.5],
            city: [format!("{}市", p.1), format!("{}市", p.0), p.2.to_owned()],
            kana: format!("{}だい{number}そうごうびょういん", reading(p.0)),
        }
    }
}

/// The institutions (one in 50 exchanges, at least 20), alternately
/// Chinese and Japanese; returns their ids by country.
async fn write_institutions<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
    count: usize,
    rng: &mut Rng,
) -> Result<(Vec<i32>, Vec<i32>), DbErr> {
    let institution_count = (count / 50).max(20);
    let first_institution =
        bulk::next_id::<institution::Entity, _>(db, institution::Column::Id).await?;
    let first_alias =
        bulk::next_id::<institution_alias::Entity, _>(db, institution_alias::Column::Id).await?;
    let mut institutions = Batch::<institution::Model>::default();
    let mut institution_texts = Batch::<institution_translation::Model>::default();
    let mut aliases = Batch::<institution_alias::Model>::default();
    let (mut cn_ids, mut jp_ids) = (Vec::new(), Vec::new());
    for i in 0..institution_count {
        let id = first_institution + i as i32;
        let chinese = i.is_multiple_of(2);
        let Place {
            country,
            zh,
            ja,
            en,
            region,
            city,
            kana,
        } = place(i, rng);
        match chinese {
            true => cn_ids.push(id),
            false => jp_ids.push(id),
        }
        let with_english = rng.below(4) != 0;
        let mut names = vec![
            (Lang::Zh, zh.as_str(), None),
            (Lang::Ja, ja.as_str(), Some(kana.as_str())),
        ];
        if with_english {
            names.push((Lang::En, en.as_str(), None));
        }
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&names);
        let row = institution::Model {
            version: 1,
            deleted_at: None,
            id,
            slug: format!("{prefix}institution-{i}"),
            country: country.into(),
            kind: "HOSPITAL".into(),
            sort_zh,
            sort_ja,
            sort_en,
        };
        institutions.push(row);
        for (k, (lang, name)) in [("zh", zh.clone()), ("ja", ja.clone()), ("en", en)]
            .into_iter()
            .enumerate()
        {
            if lang == "en" && !with_english {
                continue;
            }
            let row = institution_translation::Model {
                institution_id: id,
                lang: lang.into(),
                name: Some(name),
                region: Some(region[k].to_owned()),
                city: Some(city[k].clone()),
                reading: (lang == "ja").then(|| kana.clone()),
            };
            institution_texts.push(row);
        }
        let alias = format!("{}{}", if chinese { "中国" } else { "日本" }, zh);
        let row = institution_alias::Model {
            id: first_alias + i as i32,
            institution_id: id,
            alias,
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
    Ok((cn_ids, jp_ids))
}

/// The speakers (one in 20 exchanges, at least 10), at Japanese
/// institutions; returns the first one's id and how many.
async fn write_speakers<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
    count: usize,
    rng: &mut Rng,
    jp_ids: &[i32],
) -> Result<(i32, usize), DbErr> {
    let speaker_count = (count / 20).max(10);
    let first_speaker = bulk::next_id::<speaker::Entity, _>(db, speaker::Column::Id).await?;
    let mut speakers = Batch::<speaker::Model>::default();
    let mut speaker_texts = Batch::<speaker_translation::Model>::default();
    for i in 0..speaker_count {
        let id = first_speaker + i as i32;
        let home = *rng.pick(jp_ids);
        let (family, given) = (rng.pick(FAMILY_NAMES), rng.pick(GIVEN_NAMES));
        let name = format!("{family}{given}");
        let kana = format!("{} {}", reading(family), reading(given));
        let names = [
            (Lang::Zh, name.as_str(), None),
            (Lang::Ja, name.as_str(), Some(kana.as_str())),
        ];
        let [sort_zh, sort_ja, sort_en] = name_sort_keys(&names);
        let row = speaker::Model {
            version: 1,
            deleted_at: None,
            id,
            slug: format!("{prefix}speaker-{i}"),
            institution_id: Some(home),
            sort_zh,
            sort_ja,
            sort_en,
        };
        speakers.push(row);
        for (lang, position) in [("zh", "科长"), ("ja", "科長")] {
            let row = speaker_translation::Model {
                speaker_id: id,
                lang: lang.into(),
                name: Some(name.clone()),
                position: Some(position.into()),
                reading: (lang == "ja").then(|| kana.clone()),
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
    Ok((first_speaker, speaker_count))
}

/// What the exchanges refer to, written before them.
struct Written {
    first_specialty: i32,
    cn_ids: Vec<i32>,
    jp_ids: Vec<i32>,
    first_speaker: i32,
    speaker_count: usize,
}

/// Exchanges and what lies below them, waiting to be inserted, with the
/// ids of the next talk and photo.
#[derive(Default)]
struct ExchangeRows {
    exchanges: Batch<exchange::Model>,
    texts: Batch<exchange_translation::Model>,
    participants: Batch<exchange_participant::Model>,
    specialties: Batch<exchange_specialty::Model>,
    talks: Batch<talk::Model>,
    photos: Batch<photo::Model>,
    photo_texts: Batch<photo_translation::Model>,
    people: Batch<photo_person::Model>,
    next_talk: i32,
    next_photo: i32,
}

impl ExchangeRows {
    /// Inserts every row held, parents first.
    async fn flush<C: ConnectionTrait>(&mut self, db: &C) -> Result<(), DbErr> {
        self.exchanges.flush(db).await?;
        self.texts.flush(db).await?;
        self.participants.flush(db).await?;
        self.specialties.flush(db).await?;
        self.talks.flush(db).await?;
        self.photos.flush(db).await?;
        self.photo_texts.flush(db).await?;
        self.people.flush(db).await
    }
}

/// The exchanges, each with one Chinese and one Japanese participant, one
/// or two specialties, talks and photos; returns how many talks and
/// photos were written.
async fn write_exchanges<C: ConnectionTrait>(
    db: &C,
    prefix: &str,
    count: usize,
    rng: &mut Rng,
    written: &Written,
) -> Result<(usize, usize), DbErr> {
    let first_exchange = bulk::next_id::<exchange::Entity, _>(db, exchange::Column::Id).await?;
    let first_talk = bulk::next_id::<talk::Entity, _>(db, talk::Column::Id).await?;
    let first_photo = bulk::next_id::<photo::Entity, _>(db, photo::Column::Id).await?;
    let mut rows = ExchangeRows {
        next_talk: first_talk,
        next_photo: first_photo,
        ..ExchangeRows::default()
    };
    // Where the texts not yet indexed start.
    let (mut unindexed_exchange, mut unindexed_photo) = (first_exchange, first_photo);
    for i in 0..count {
        let id = first_exchange + i as i32;
        add_exchange(&mut rows, prefix, i, id, rng, written);
        if (i + 1) % EXCHANGES_PER_ROUND == 0 || i + 1 == count {
            rows.flush(db).await?;
        }
        // Indexed a slice at a time, so the texts read back stay few.
        if (i + 1) % EXCHANGES_PER_INDEXING == 0 || i + 1 == count {
            let exchanges = Owners::Range(unindexed_exchange, id);
            search_index::reindex(db, DocKind::Exchange, exchanges).await?;
            let photos = Owners::Range(unindexed_photo, rows.next_photo - 1);
            search_index::reindex(db, DocKind::Photo, photos).await?;
            (unindexed_exchange, unindexed_photo) = (id + 1, rows.next_photo);
        }
    }
    let talks = (rows.next_talk - first_talk) as usize;
    Ok((talks, (rows.next_photo - first_photo) as usize))
}

/// Exchange number `i` (row `id`): its row, texts, participants and
/// specialties, then its talks and photos.
fn add_exchange(
    rows: &mut ExchangeRows,
    prefix: &str,
    i: usize,
    id: i32,
    rng: &mut Rng,
    written: &Written,
) {
    let year = 2015 + rng.below(11) as i32;
    let month = 1 + rng.below(12) as u32;
    let day = (rng.below(3) == 0).then(|| 1 + rng.below(28) as u32);
    let date = ReportDate { year, month, day };
    let cn = *rng.pick(&written.cn_ids);
    let jp = *rng.pick(&written.jp_ids);
    let specialty = rng.below(SPECIALTIES.len());
    let (_, spec_zh, spec_ja, _) = SPECIALTIES[specialty];
    let format = ["ONLINE", "ONLINE", "IN_PERSON", "HYBRID"][rng.below(4)];
    rows.exchanges.push(exchange::Model {
        version: 1,
        deleted_at: None,
        id,
        slug: format!("{prefix}exchange-{i}"),
        date: date.to_string(),
        starts_on: date.first_day(),
        ends_on: date.last_day(),
        year,
        month: Some(month as i32),
        fiscal_year: date.fiscal_year(),
        format: format.into(),
    });
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
        rows.texts.push(exchange_translation::Model {
            exchange_id: id,
            lang: lang.into(),
            title: Some(title),
            summary: Some(summary),
        });
    }
    for (position, institution_id) in [cn, jp].into_iter().enumerate() {
        rows.participants.push(exchange_participant::Model {
            exchange_id: id,
            institution_id,
            position: position as i32,
        });
    }
    let mut covered = vec![specialty];
    if rng.below(3) == 0 {
        let second = rng.below(SPECIALTIES.len());
        if second != specialty {
            covered.push(second);
        }
    }
    for (position, s) in covered.into_iter().enumerate() {
        rows.specialties.push(exchange_specialty::Model {
            exchange_id: id,
            specialty_id: written.first_specialty + s as i32,
            position: position as i32,
        });
    }
    let speakers = add_talks(rows, id, rng, written);
    let venues = [Some(cn), Some(jp), None];
    add_photos(
        rows,
        (prefix, i, id),
        rng,
        venues,
        &speakers,
        (spec_zh, spec_ja),
    );
}

/// Up to four talks by distinct speakers; returns the speakers.
fn add_talks(rows: &mut ExchangeRows, id: i32, rng: &mut Rng, written: &Written) -> Vec<i32> {
    let mut speakers = Vec::new();
    for position in 0..rng.below(5) {
        let speaker = written.first_speaker + rng.below(written.speaker_count) as i32;
        if speakers.contains(&speaker) {
            continue;
        }
        speakers.push(speaker);
        let kind = if position == 0 && rng.below(4) == 0 {
            "GREETING"
        } else {
            "LECTURE"
        };
        rows.talks.push(talk::Model {
            id: rows.next_talk,
            exchange_id: id,
            speaker_id: speaker,
            position: position as i32,
            kind: kind.into(),
        });
        rows.next_talk += 1;
    }
    speakers
}

/// One to five photos of exchange `i` (row `id`), with captions, taken at
/// one of `venues`; the n-th shows the n-th speaker.
fn add_photos(
    rows: &mut ExchangeRows,
    (prefix, i, id): (&str, usize, i32),
    rng: &mut Rng,
    venues: [Option<i32>; 3],
    speakers: &[i32],
    (spec_zh, spec_ja): (&str, &str),
) {
    for position in 0..1 + rng.below(5) {
        let photo_id = rows.next_photo;
        rows.photos.push(photo::Model {
            version: 1,
            deleted_at: None,
            id: photo_id,
            slug: format!("{prefix}photo-{i}-{position}"),
            exchange_id: Some(id),
            aid_shipment_id: None,
            news_item_id: None,
            venue_institution_id: venues[rng.below(3)],
            url: None,
            image_hash: None,
            credit: None,
            copyright: None,
            position: position as i32,
        });
        let captions = [
            ("zh", format!("{spec_zh}交流的情景（{position}）")),
            ("ja", format!("{spec_ja}交流の様子（{position}）")),
        ];
        for (lang, caption) in captions {
            rows.photo_texts.push(photo_translation::Model {
                photo_id,
                lang: lang.into(),
                caption: Some(caption),
            });
        }
        if let Some(speaker) = speakers.get(position) {
            rows.people.push(photo_person::Model {
                photo_id,
                speaker_id: *speaker,
                position: 0,
            });
        }
        rows.next_photo += 1;
    }
}
