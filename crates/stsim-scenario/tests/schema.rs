//! The shipped JSON Schema of the scenario format is the one the raw types generate.
//! After changing the format, refresh it with `STSIM_UPDATE_SCHEMA=1 cargo test -p stsim-scenario --test schema`.

#[test]
fn shipped_scenario_schema_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/scenario.schema.json");
    let generated = stsim_scenario::scenario_schema();
    if std::env::var_os("STSIM_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        shipped == generated,
        "docs/scenario.schema.json is stale: run STSIM_UPDATE_SCHEMA=1 cargo test -p stsim-scenario --test schema"
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    let properties = &schema["properties"];
    for field in ["name", "statefulsets", "timeline", "expect", "manifests"] {
        assert!(properties.get(field).is_some(), "{field}");
    }
    assert_eq!(schema["required"], serde_json::json!(["name"]));
}
