//! Answers as CSV, for analysts' spreadsheets: asked for with
//! `Accept: text/csv` (or `format=csv` on a GET link a browser can open).
//!
//! CSV holds one table, so the answer must hold exactly one list, wherever
//! it is (a connection's `nodes` or `edges`, a list field such as
//! `specialties`, `exchangeStats.groups`); values outside it (`totalCount`,
//! `pageInfo`) are left out. Each item of the list is a row; the columns
//! are the paths of its leaf fields (`institution.name`), in the order the
//! query selects them. A list inside an item fills one cell, its values
//! joined by `; `, except the keys of `exchangeStats.groups`: each key has
//! its own columns, named by its dimension (`keys.FISCAL_YEAR.label`,
//! `keys.INSTITUTION.node.id`; by its place, `keys.1.label`, when the
//! query does not select `dimension`). Cells are quoted as RFC 4180 asks, lines end in CRLF,
//! and the text is UTF-8 with a byte-order mark, so that Excel opens
//! Chinese and Japanese correctly. An empty list gives an empty table.
//! A text that a spreadsheet would take for a formula (`=HYPERLINK(…)`,
//! `+1`, `@SUM(1)`) is prefixed with `'`; numbers stay numbers.

use async_graphql::Value;
use async_graphql::indexmap::IndexMap;

/// A table ready to send.
#[derive(Debug)]
pub struct Csv {
    /// The file name to offer (`exchanges.csv`: the root field's name).
    pub filename: String,
    /// The bytes: BOM, header row, rows.
    pub body: Vec<u8>,
}

/// Why an answer cannot be CSV.
pub fn shape_error(lists: &[String]) -> String {
    let found = match lists.len() {
        0 => "none".to_owned(),
        _ => lists
            .iter()
            .map(|path| format!("`{path}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!(
        "CSV holds one list: select exactly one list (a connection's `nodes` or `edges`, a list \
         field, `exchangeStats.groups`); this answer holds {found}. Ask for JSON for anything else"
    )
}

/// The answer's `data` as CSV, or the paths of the lists it holds when
/// that is not exactly one.
pub fn to_csv(data: &Value) -> Result<Csv, Vec<String>> {
    let mut lists = Vec::new();
    find_lists(data, &mut Vec::new(), &mut lists);
    let [(path, items)] = &lists[..] else {
        return Err(lists.iter().map(|(path, _)| path.join(".")).collect());
    };
    let groups = path.last().is_some_and(|name| name == "groups");
    let rows: Vec<IndexMap<String, Vec<String>>> = items
        .iter()
        .map(|item| {
            let mut cells = IndexMap::new();
            match (groups, item) {
                (true, Value::Object(fields)) => group_leaves(fields, &mut cells),
                _ => leaves(item, String::new(), &mut cells),
            }
            cells
        })
        .collect();
    let mut columns: Vec<&String> = Vec::new();
    for row in &rows {
        for column in row.keys() {
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
    }
    // A null object or an empty list gives its own path; where other rows
    // show the leaves below it, those are the columns.
    let columns: Vec<&String> = columns
        .iter()
        .copied()
        .filter(|c| {
            !columns
                .iter()
                .any(|other| other.starts_with(&format!("{c}.")))
        })
        .collect();
    let mut body = "\u{feff}".as_bytes().to_vec();
    if !columns.is_empty() {
        line(&mut body, columns.iter().map(|c| c.as_str()));
        for row in &rows {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| row.get(*c).map(|v| v.join("; ")).unwrap_or_default())
                .collect();
            line(&mut body, cells.iter().map(String::as_str));
        }
    }
    let filename = format!("{}.csv", path.first().map_or("data", |s| s.as_str()));
    Ok(Csv { filename, body })
}

/// Every list reachable from `value` through objects, with its path.
fn find_lists<'a>(
    value: &'a Value,
    path: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, &'a [Value])>,
) {
    match value {
        Value::List(items) => found.push((path.clone(), items)),
        Value::Object(fields) => {
            for (name, field) in fields {
                path.push(name.to_string());
                find_lists(field, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The leaves of a group of `exchangeStats`: its `keys` spread out, one set
/// of columns per key, named by the key's dimension when selected
/// (`keys.FISCAL_YEAR.label`, `keys.INSTITUTION.node.id`), else by its
/// place (`keys.1.label`).
fn group_leaves(
    fields: &IndexMap<async_graphql::Name, Value>,
    cells: &mut IndexMap<String, Vec<String>>,
) {
    for (name, field) in fields {
        let (true, Value::List(keys)) = (name.as_str() == "keys", field) else {
            leaves(field, name.to_string(), cells);
            continue;
        };
        for (place, key) in keys.iter().enumerate() {
            let Value::Object(key) = key else {
                continue;
            };
            let column = match key.get("dimension") {
                Some(Value::Enum(dimension)) => dimension.to_string(),
                Some(Value::String(dimension)) => dimension.clone(),
                _ => (place + 1).to_string(),
            };
            for (part, value) in key.iter().filter(|(part, _)| part.as_str() != "dimension") {
                leaves(value, format!("keys.{column}.{part}"), cells);
            }
        }
    }
}

/// The leaf values below `value`, by path; a list's values are gathered
/// under the paths of its items' leaves.
fn leaves(value: &Value, path: String, cells: &mut IndexMap<String, Vec<String>>) {
    let child = |name: &str| match path.is_empty() {
        true => name.to_owned(),
        false => format!("{path}.{name}"),
    };
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                leaves(field, child(name), cells);
            }
        }
        Value::List(items) => {
            cells.entry(path.clone()).or_default();
            for item in items {
                leaves(item, path.clone(), cells);
            }
        }
        Value::Null => {
            cells.entry(path).or_default();
        }
        leaf => cells.entry(path).or_default().push(text(leaf)),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => neutralised(text),
        Value::Enum(name) => name.to_string(),
        other => other.to_string(),
    }
}

/// A text a spreadsheet will not read as a formula: one beginning with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (OWASP's advice for CSV injection). Numbers are not texts here: they
/// stay numbers.
fn neutralised(text: &str) -> String {
    match text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{text}"),
        false => text.to_owned(),
    }
}

/// One CSV line, quoted where RFC 4180 asks, ended by CRLF.
fn line<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a str>) {
    let cells: Vec<String> = cells
        .map(|cell| {
            if cell.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell.to_owned()
            }
        })
        .collect();
    out.extend_from_slice(cells.join(",").as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read as the server reads its answers back: keys in order.
    fn value(json: &str) -> Value {
        serde_json::from_str(json).unwrap()
    }

    fn table(json: &str) -> String {
        String::from_utf8(to_csv(&value(json)).unwrap().body).unwrap()
    }

    #[test]
    fn one_list_gives_one_row_per_item_with_nested_lists_in_one_cell() {
        let named = to_csv(&value(r#"{"exchanges": {"nodes": []}}"#)).unwrap();
        assert_eq!(named.filename, "exchanges.csv");
        let text = table(
            r#"{"exchanges": {"totalCount": 2, "nodes": [
            {"slug": "a", "title": "循环, \"心\"", "participants": [{"name": "甲"}, {"name": "乙"}], "venue": null},
            {"slug": "b", "title": "x\ny", "participants": [], "venue": {"name": "丙"}}
        ]}}"#,
        );
        assert_eq!(
            text,
            "\u{feff}slug,title,participants.name,venue.name\r\n\
             a,\"循环, \"\"心\"\"\",甲; 乙,\r\n\
             b,\"x\ny\",,丙\r\n"
        );
    }

    #[test]
    fn each_key_of_a_group_has_its_own_columns() {
        let by_dimension = table(
            r#"{"exchangeStats": {"groups": [
            {"keys": [{"dimension": "COUNTRY", "label": "中国"}, {"dimension": "INSTITUTION", "label": "甲", "node": {"id": "SW4x"}}], "exchanges": 2},
            {"keys": [{"dimension": "COUNTRY", "label": "日本"}, {"dimension": "INSTITUTION", "label": "乙", "node": {"id": "SW4y"}}], "exchanges": 1}
        ]}}"#,
        );
        assert_eq!(
            by_dimension,
            "\u{feff}keys.COUNTRY.label,keys.INSTITUTION.label,keys.INSTITUTION.node.id,exchanges\r\n\
             中国,甲,SW4x,2\r\n日本,乙,SW4y,1\r\n"
        );
        let by_place = table(
            r#"{"exchangeStats": {"groups": [{"keys": [{"label": "2020"}, {"label": "甲"}], "exchanges": 2}]}}"#,
        );
        assert_eq!(
            by_place,
            "\u{feff}keys.1.label,keys.2.label,exchanges\r\n2020,甲,2\r\n"
        );
    }

    #[test]
    fn texts_that_look_like_formulas_are_neutralised_numbers_are_not() {
        let text = table(
            r#"{"exchanges": {"nodes": [
            {"title": "=HYPERLINK(\"http://x\",\"x\")", "n": -1, "tags": ["+1", "a"]},
            {"title": "@SUM(1)", "n": 2.5, "tags": ["-2"]},
            {"title": "\tx", "n": 0, "tags": ["\rx", "心"]}
        ]}}"#,
        );
        assert_eq!(
            text,
            "\u{feff}title,n,tags\r\n\
             \"'=HYPERLINK(\"\"http://x\"\",\"\"x\"\")\",-1,'+1; a\r\n\
             '@SUM(1),2.5,'-2\r\n\
             '\tx,0,\"'\rx; 心\"\r\n"
        );
    }

    #[test]
    fn anything_but_one_list_is_refused_with_the_lists_found() {
        let two = value(r#"{"a": {"nodes": [], "edges": []}}"#);
        assert_eq!(to_csv(&two).unwrap_err(), ["a.nodes", "a.edges"]);
        let none = value(r#"{"institution": {"name": "x"}}"#);
        assert!(to_csv(&none).unwrap_err().is_empty());
        assert!(shape_error(&[]).contains("none"));
    }
}
