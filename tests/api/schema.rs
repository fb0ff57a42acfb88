//! The committed SDL is the generated one.

#[test]
fn committed_schema_graphql_matches_the_generated_schema() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed at the top level");
    let generated = medexchange::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is stale: regenerate it with `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn every_type_and_field_has_a_description() {
    let sdl = medexchange::graphql::sdl();
    let mut in_description = false;
    let mut described = false;
    let mut missing = Vec::new();
    let mut in_schema_block = false;
    for line in sdl.lines() {
        let trimmed = line.trim();
        if line.starts_with("schema ") || in_schema_block {
            in_schema_block = trimmed != "}";
            continue;
        }
        if trimmed == "\"\"\"" {
            in_description = !in_description;
            described = !in_description;
            continue;
        }
        if in_description {
            continue;
        }
        if trimmed.starts_with('"') && trimmed.ends_with('"') && trimmed.len() > 6 {
            described = true;
            continue;
        }
        let declares_field = line.starts_with('\t') && trimmed.contains(':');
        let declares_type = ["type ", "enum ", "interface ", "union ", "input "]
            .iter()
            .any(|k| line.starts_with(k));
        if (declares_field || declares_type) && !described {
            missing.push(trimmed.to_owned());
        }
        described = false;
    }
    assert!(
        missing.is_empty(),
        "undocumented in the schema: {missing:#?}"
    );
}
