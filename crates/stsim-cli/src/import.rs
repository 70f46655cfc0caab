//! How `stsim import -o FILE` names each manifest in the scenario it
//! writes: a scenario's manifest paths are relative to the scenario's own
//! directory (`input::scenario`), so a path given relative to the current
//! directory is rewritten relative to the directory of FILE. An absolute
//! path stays as given.

use std::path::{Component, Path, PathBuf};

/// The path by which a scenario in `dir` names `target` (a manifest as
/// named on the command line: absolute, or relative to the current
/// directory). Relative when it can be (`../manifests/sts.yaml`), checked
/// to lead to the same file from `dir`; else the file's absolute path.
pub fn path_from(dir: &Path, target: &Path) -> String {
    if target.is_absolute() {
        return target.to_string_lossy().into_owned();
    }
    let Ok(cwd) = std::env::current_dir() else {
        return target.to_string_lossy().into_owned();
    };
    // By the names alone first (`m/sts.yaml` from `out` is
    // `../m/sts.yaml`); then, if a symbolic link on the way makes that
    // another file, by the real paths.
    let lexical = relative(&lexically_normal(&cwd.join(dir)), &lexically_normal(&cwd.join(target)));
    if same_file(&dir.join(&lexical), target) {
        return lexical.to_string_lossy().into_owned();
    }
    match (dir.canonicalize(), target.canonicalize()) {
        (Ok(dir_real), Ok(target_real)) => {
            let real = relative(&dir_real, &target_real);
            if same_file(&dir.join(&real), target) {
                real.to_string_lossy().into_owned()
            } else {
                target_real.to_string_lossy().into_owned()
            }
        }
        (_, Ok(target_real)) => target_real.to_string_lossy().into_owned(),
        _ => cwd.join(target).to_string_lossy().into_owned(),
    }
}

/// Whether two paths name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b)
}

/// An absolute path without `.` and with each `..` taking off the name
/// before it (the root's `..` is the root), by the names alone.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` relative to the directory `from`, both absolute and normal: up
/// out of what `from` does not share with `to`, then down into `to`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let shared = from.components().zip(to.components()).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in from.components().skip(shared) {
        out.push("..");
    }
    for component in to.components().skip(shared) {
        out.push(component);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_go_up_out_of_the_directory_then_down() {
        let path = |from: &str, to: &str| relative(Path::new(from), Path::new(to)).display().to_string();
        assert_eq!(path("/w", "/w/sts.yaml"), "sts.yaml");
        assert_eq!(path("/w", "/w/manifests/sts.yaml"), "manifests/sts.yaml");
        assert_eq!(path("/w/out", "/w/manifests/sts.yaml"), "../manifests/sts.yaml");
        assert_eq!(path("/w/a/b", "/w/sts.yaml"), "../../sts.yaml");
        assert_eq!(path("/", "/w/sts.yaml"), "w/sts.yaml");
    }

    #[test]
    fn normal_paths_have_no_dots() {
        let normal = |p: &str| lexically_normal(Path::new(p)).display().to_string();
        assert_eq!(normal("/w/./a/../b/x.yaml"), "/w/b/x.yaml");
        assert_eq!(normal("/../w"), "/w");
    }

    #[test]
    fn an_absolute_path_stays_as_given() {
        assert_eq!(path_from(Path::new("out"), Path::new("/m/sts.yaml")), "/m/sts.yaml");
    }
}
