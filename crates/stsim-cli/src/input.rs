//! What the user names on the command line, read: scenario files, Kubernetes
//! manifests, standard input (`-`) and the built-in examples.
//!
//! Owns file reading, telling a manifest from a RON scenario, resolving a
//! scenario's `manifests` relative to its own file, and rendering the
//! diagnostics of any of these files with the source each one points into.
//! Does not own the formats: that is `stsim-scenario`.

use crate::examples;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use stsim_scenario::{Diagnostic, Loaded};

/// The label standard input gets in messages.
pub const STDIN: &str = "<stdin>";

/// Reads `name`: `-` for standard input, a file, or a built-in example.
/// Returns the label for messages and the text.
pub fn read(name: &str) -> Result<(String, String), String> {
    if name == "-" {
        let mut text = String::new();
        return std::io::stdin()
            .read_to_string(&mut text)
            .map(|_| (STDIN.to_string(), text))
            .map_err(|e| format!("error: cannot read standard input: {e}\n"));
    }
    match std::fs::read_to_string(name) {
        Ok(source) => Ok((name.to_string(), source)),
        Err(error) => match examples::find(name) {
            Some(example) => Ok((example.path.to_string(), example.source.to_string())),
            None => Err(format!(
                "error: cannot read scenario `{name}`: {error}\n  = help: give a path to a .ron scenario or a Kubernetes \
manifest (.yaml, .json), `-` for standard input, or the name of a built-in scenario (see `stsim examples`)\n"
            )),
        },
    }
}

/// Whether a file is a Kubernetes manifest rather than a RON scenario: by its
/// extension, or else by its first line that is not a comment.
pub fn is_manifest(label: &str, source: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json") {
        return true;
    }
    if lower.ends_with(".ron") {
        return false;
    }
    let first = source
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"));
    first.is_some_and(|l| {
        l.starts_with("apiVersion:") || l.starts_with("kind:") || l == "---" || l.starts_with('{')
    })
}

/// Renders diagnostics, each with a frame from the file it points into, and a closing line.
pub fn render(diagnostics: &[Diagnostic], sources: &BTreeMap<String, String>, what: &str) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics {
        let source = sources.get(&diagnostic.file).map_or("", String::as_str);
        text.push_str(&diagnostic.render(source));
        text.push('\n');
    }
    let count = diagnostics.len();
    text.push_str(&format!("error: {what} ({count} error{})\n", if count == 1 { "" } else { "s" }));
    text
}

/// Reads a RON scenario, with the manifests it lists (relative to its file).
pub fn scenario(file: &str, source: &str) -> Result<Loaded, String> {
    let dir = Path::new(file).parent().map(Path::to_path_buf).unwrap_or_default();
    let mut sources = BTreeMap::new();
    sources.insert(file.to_string(), source.to_string());
    let mut read_manifest = |name: &str| {
        let path = if Path::new(name).is_absolute() || file == STDIN { name.into() } else { dir.join(name) };
        let label = path.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        sources.insert(label.clone(), text.clone());
        Ok((label, text))
    };
    let result = stsim_scenario::parse_scenario_with(source, file, &mut read_manifest);
    result.map_err(|diagnostics| render(&diagnostics, &sources, &format!("{file} is not a valid scenario")))
}

/// Reads manifests named on the command line and wraps them in `story`.
/// A directory stands for its `.yaml`, `.yml` and `.json` files, in name
/// order, as with `kubectl apply -f DIR`.
pub fn manifests(names: &[String], story: &str) -> Result<Loaded, String> {
    let mut files = Vec::new();
    for name in names {
        if name != "-" && Path::new(name).is_dir() {
            let entries = std::fs::read_dir(name)
                .map_err(|e| format!("error: cannot read directory `{name}`: {e}\n"))?;
            let mut paths: Vec<_> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json") && p.is_file()
                })
                .collect();
            paths.sort();
            if paths.is_empty() {
                return Err(format!("error: no .yaml, .yml or .json files in `{name}`\n"));
            }
            for path in paths {
                files.push(read_manifest(&path.to_string_lossy())?);
            }
        } else {
            files.push(read_manifest(name)?);
        }
    }
    from_manifests(&files, story)
}

/// Wraps manifests already read (label, text) in `story`.
pub fn from_manifests(files: &[(String, String)], story: &str) -> Result<Loaded, String> {
    let sources: BTreeMap<String, String> = files.iter().cloned().collect();
    stsim_scenario::parse_manifests(files, story).map_err(|diagnostics| {
        let labels: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        render(&diagnostics, &sources, &format!("{} cannot be simulated", labels.join(", ")))
    })
}

/// Reads a manifest file (or `-`), without falling back to the examples.
fn read_manifest(name: &str) -> Result<(String, String), String> {
    if name == "-" {
        return read(name);
    }
    std::fs::read_to_string(name)
        .map(|text| (name.to_string(), text))
        .map_err(|e| format!("error: cannot read manifest `{name}`: {e}\n"))
}

/// Reads anything a command accepts as its input: a scenario (which may list
/// manifests) or a manifest (wrapped in `story`).
pub fn load(name: &str, story: &str) -> Result<(String, Loaded), String> {
    let (label, source) = read(name)?;
    let loaded = if is_manifest(&label, &source) {
        from_manifests(&[(label.clone(), source)], story)?
    } else if story != "default" {
        return Err(format!(
            "error: --story {story} applies to manifests, and {label} is a scenario with its own timeline\n  \
= help: `stsim import MANIFEST --story {story}` writes a scenario with that story\n"
        ));
    } else {
        scenario(&label, &source)?
    };
    Ok((label, loaded))
}
