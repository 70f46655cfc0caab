//! Whether the kubelet can read a container's image reference, and its
//! words when it cannot (`InvalidImageName`).
//!
//! The API server checks nothing of an image but that it is there (and,
//! for a pod, that no white space surrounds it: `api::validation`), so
//! `NGINX`, `Redis:7` or `nginx::1` are stored. The kubelet's image manager
//! reads the reference before anything else (`EnsureImageExists` →
//! `applyDefaultImageTag`, pkg/kubelet/images/image_manager.go) with the
//! reference parser of the distribution project (`ParseNormalizedNamed`),
//! and a reference it cannot read is never pulled: the container waits in
//! `InvalidImageName`, retried every 10-15 s for ever without the image
//! back-off, until the image changes.
//!
//! The parser, and so the message, changed across releases:
//! - 1.24-1.28 vendor github.com/docker/distribution v2.8: a first path
//!   component names a registry only with a `.` or `:` in it or as
//!   `localhost`; an upper-case repository name is "repository name must
//!   be lowercase".
//! - 1.29 moved to github.com/distribution/reference v0.5.0
//!   (kubernetes/kubernetes#120316): an upper-case first component names a
//!   registry too (`Foo/bar` is read), IPv6 registries are read, and the
//!   upper-case message names the repository (`repository name
//!   (library/NGINX) must be lowercase`).
//! - 1.32 moved to v0.6.0: the 255-character limit counts the repository's
//!   path without its registry (distribution/reference#9).
//! - The kubelet's own words: `couldn't parse image reference %q` until
//!   1.27, `couldn't parse image name %q` from 1.28
//!   (kubernetes/kubernetes#116231).
//!
//! Owns the grammar and the messages; does not own what the kubelet does
//! with them (`controllers::kubelet`).

use crate::api::validation::go_quoted;
use crate::features::Version;

/// The longest repository name (`NameTotalLengthMax`).
const NAME_MAX: usize = 255;

/// The kubelet's message for a container whose image it cannot read under
/// release `version` (the container's waiting message and its
/// `InspectFailed` event), or `None` when it reads the image.
pub fn invalid_image_message(image: &str, version: Version) -> Option<String> {
    let error = parse_error(image, version)?;
    let quoted = go_quoted(image);
    let word = if version.minor >= 28 { "name" } else { "reference" };
    Some(format!("Failed to apply default image tag {quoted}: couldn't parse image {word} {quoted}: {error}"))
}

/// Whether the newest modelled release's parser reads `image` (the API
/// server's defaulting reads the reference with it too).
pub fn readable(image: &str) -> bool {
    readable_in(image, Version::NEWEST)
}

/// Whether release `version`'s kubelet reads `image` (called at every
/// image check: nothing is allocated unless it is refused). A blank image
/// is outside the grammar.
pub fn readable_in(image: &str, version: Version) -> bool {
    refusal(image, version).is_none()
}

/// `ParseNormalizedNamed`'s error for `image`, as the release's parser
/// words it.
fn parse_error(image: &str, version: Version) -> Option<String> {
    refusal(image, version).map(|refusal| refusal.words(image, version))
}

/// Why the parser refuses a reference.
enum Refusal<'a> {
    /// 64 lower-case hex digits: an image ID, not a name.
    Identifier,
    /// Capitals in the repository name (`library/` added to a Docker Hub
    /// name of one component), cut at the first `:`.
    Uppercase { library: bool, remote: &'a str },
    /// Outside the grammar.
    Format,
    /// Over 255 characters.
    TooLong,
    /// go-digest's refusal of the digest.
    Digest(&'static str),
}

impl Refusal<'_> {
    fn words(&self, image: &str, version: Version) -> String {
        match self {
            Refusal::Identifier => {
                format!("invalid repository name ({image}), cannot specify 64-byte hexadecimal strings")
            }
            Refusal::Uppercase { library, remote } if version.minor >= 29 => {
                let library = if *library { "library/" } else { "" };
                format!("invalid reference format: repository name ({library}{remote}) must be lowercase")
            }
            Refusal::Uppercase { .. } => {
                "invalid reference format: repository name must be lowercase".to_string()
            }
            Refusal::Format => "invalid reference format".to_string(),
            Refusal::TooLong => format!("repository name must not be more than {NAME_MAX} characters"),
            Refusal::Digest(words) => words.to_string(),
        }
    }
}

/// The parser's reading of `image` (`ParseNormalizedNamed`, then `Parse`).
fn refusal(image: &str, version: Version) -> Option<Refusal<'_>> {
    let v05 = version.minor >= 29;
    if image.len() == 64 && image.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
        return Some(Refusal::Identifier);
    }
    let (domain, library, remainder) = split_docker_domain(image, v05);
    let remote = split(remainder, b':').map_or(remainder, |(remote, _)| remote);
    if changes_in_lower_case(remote) {
        return Some(Refusal::Uppercase { library, remote });
    }
    // `Parse(domain + "/" + remainder)`: the reference's grammar (`library`
    // is a path component of it).
    let (name, digest) = match split(remainder, b'@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (remainder, None),
    };
    let (path, tag) = match split_last(name, b':') {
        Some((path, tag)) if !tag.bytes().any(|b| b == b'/') => (path, Some(tag)),
        _ => (name, None),
    };
    let path_read = path.split('/').all(is_path_component);
    // The whole name read again: the registry as a registry, or, where it
    // is no registry's name, as one more path component.
    let name_read = path_read && (is_domain(domain, v05) || is_path_component(domain));
    let digest_shaped = digest.is_none_or(is_digest_shaped);
    if !name_read || !tag.is_none_or(is_tag) || !digest_shaped {
        return Some(Refusal::Format);
    }
    let path_len = if library { "library/".len() } else { 0 } + path.len();
    let counted = if version.minor >= 32 { path_len } else { domain.len() + 1 + path_len };
    if counted > NAME_MAX {
        return Some(Refusal::TooLong);
    }
    digest.and_then(digest_error).map(Refusal::Digest)
}

/// Whether Go's `strings.ToLower` changes `text` (rune by rune: a rune
/// whose lower case is another).
fn changes_in_lower_case(text: &str) -> bool {
    match text.is_ascii() {
        true => text.bytes().any(|b| b.is_ascii_uppercase()),
        false => text.chars().any(|c| c.to_lowercase().ne(std::iter::once(c))),
    }
}

/// `text` around its first `byte` (an ASCII one), as `split_once` but a
/// plain byte loop: references are short, and read at every image check.
fn split(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == byte)?;
    Some((&text[..at], &text[at + 1..]))
}

/// `text` around its last `byte` (an ASCII one).
fn split_last(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = text.bytes().rposition(|b| b == byte)?;
    Some((&text[..at], &text[at + 1..]))
}

/// `splitDockerDomain`: the registry an image names, whether `library/`
/// goes before the rest, and the rest: Docker Hub's registry
/// (`docker.io`, with `library/` before a one-component name) where its
/// first component names none.
fn split_docker_domain(image: &str, v05: bool) -> (&str, bool, &str) {
    let (domain, remainder) = match split(image, b'/') {
        Some((first, rest))
            if first.bytes().any(|b| b == b'.' || b == b':')
                || first == "localhost"
                || (v05 && changes_in_lower_case(first)) =>
        {
            (first, rest)
        }
        _ => ("docker.io", image),
    };
    let domain = if domain == "index.docker.io" { "docker.io" } else { domain };
    let library = domain == "docker.io" && split(remainder, b'/').is_none();
    (domain, library, remainder)
}

/// A path component: lower-case letters and digits in runs joined by `.`,
/// `_`, `__` or dashes.
fn is_path_component(text: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = text.as_bytes();
    if !bytes.first().is_some_and(alnum) || !bytes.last().is_some_and(alnum) {
        return false;
    }
    // Every run between letters and digits is a separator.
    let mut rest = bytes;
    while let Some(start) = rest.iter().position(|b| !alnum(b)) {
        let run = &rest[start..];
        let end = run.iter().position(alnum).unwrap_or(run.len());
        let (separator, after) = run.split_at(end);
        if !(matches!(separator, b"." | b"_" | b"__") || separator.iter().all(|b| *b == b'-')) {
            return false;
        }
        rest = after;
    }
    true
}

/// A registry: dot-separated names of letters, digits and inner dashes,
/// or (from distribution/reference v0.5) an IPv6 address in brackets, and
/// an optional port.
fn is_domain(text: &str, v05: bool) -> bool {
    let (host, port) = match split_last(text, b':') {
        Some((host, port)) if !port.bytes().any(|b| b == b']') => (host, Some(port)),
        _ => (text, None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let component = |c: &str| {
        let b = c.as_bytes();
        !b.is_empty()
            && b.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(address) if v05 => {
            !address.is_empty() && address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
        }
        _ => host.split('.').all(component),
    }
}

/// A tag: a word character, then up to 127 word characters, dots or dashes.
fn is_tag(text: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    (1..=128).contains(&bytes.len())
        && word(bytes[0])
        && bytes[1..].iter().all(|b| word(*b) || *b == b'.' || *b == b'-')
}

/// The grammar's digest: an algorithm (letters and digits in components
/// joined by `-`, `_`, `+` or `.`, each starting with a letter), a colon,
/// and at least 32 hexadecimal digits.
fn is_digest_shaped(text: &str) -> bool {
    let Some((algorithm, hex)) = text.split_once(':') else { return false };
    let component = |c: &str| {
        let b = c.as_bytes();
        b.first().is_some_and(u8::is_ascii_alphabetic) && b.iter().all(u8::is_ascii_alphanumeric)
    };
    algorithm.split(['-', '_', '+', '.']).all(component)
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// go-digest's check of a digest the grammar read: an algorithm it knows
/// (the kubelet links SHA-256, SHA-384 and SHA-512; another is
/// unsupported if it has go-digest's shape, lower case, and malformed
/// otherwise), its length, lower-case hex.
fn digest_error(digest: &str) -> Option<&'static str> {
    let (algorithm, hex) = digest.split_once(':')?;
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        other if other.bytes().any(|b| b.is_ascii_uppercase()) => {
            return Some("invalid checksum digest format");
        }
        _ => return Some("unsupported digest algorithm"),
    };
    if hex.len() != length {
        return Some("invalid checksum digest length");
    }
    (!hex.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9'))).then_some("invalid checksum digest format")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text gets an answer, never a panic; references of the
        /// grammar's shape are read by every release.
        #[test]
        fn every_text_is_read_or_refused(text in "\\PC{0,300}", minor in 24u32..=37) {
            let _ = invalid_image_message(&text, Version::new(minor, 0));
        }

        #[test]
        fn references_of_the_grammars_shape_are_read(
            image in "([a-z0-9-]{1,8}(\\.[a-z0-9]{1,5})+(:[0-9]{1,5})?/)?[a-z0-9]{1,6}([._-][a-z0-9]{1,6}){0,3}(/[a-z0-9]{1,6}){0,2}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,20})?",
            minor in 24u32..=37,
        ) {
            // A registry's names may not start or end with a dash.
            let registry_ok = image.split('/').next().is_none_or(|first| {
                !first.contains('.') || first.split(['.', ':']).all(|c| !c.starts_with('-') && !c.ends_with('-'))
            });
            prop_assume!(registry_ok);
            prop_assert_eq!(parse_error(&image, Version::new(minor, 0)), None, "{}", image);
        }
    }

    fn error(image: &str, minor: u32) -> Option<String> {
        parse_error(image, Version::new(minor, 0))
    }

    #[test]
    fn references_the_runtime_reads_are_read() {
        let hex = "a".repeat(64);
        let good = [
            "nginx".to_string(),
            "nginx:1.27".into(),
            "library/nginx:1.27-alpine".into(),
            "docker.io/library/redis:7.2".into(),
            "registry.k8s.io/pause:3.9".into(),
            "localhost:5000/team/app_v2__x.y---z:V1.0_rc".into(),
            "quay.io/prometheus/node-exporter:v1.8.2".into(),
            format!("nginx@sha256:{hex}"),
            format!("nginx:1.27@sha256:{hex}"),
            format!("app@sha512:{}", "0".repeat(128)),
            "MyRegistry.example.com/app:1".into(),
            "10.0.0.1:5000/app".into(),
            "a".repeat(63),
        ];
        for image in &good {
            for minor in [24, 28, 29, 32, 37] {
                assert_eq!(error(image, minor), None, "{image} in 1.{minor}");
            }
        }
    }

    #[test]
    fn references_it_cannot_read_get_the_parsers_words_by_release() {
        let lower_old = "invalid reference format: repository name must be lowercase";
        let format = "invalid reference format";
        let cases: [(&str, &str, &str); 10] = [
            (
                "NGINX",
                lower_old,
                "invalid reference format: repository name (library/NGINX) must be lowercase",
            ),
            (
                "Redis:7",
                lower_old,
                "invalid reference format: repository name (library/Redis) must be lowercase",
            ),
            (
                "docker.io/Foo/bar",
                lower_old,
                "invalid reference format: repository name (Foo/bar) must be lowercase",
            ),
            ("nginx::1", format, format),
            ("nginx:", format, format),
            ("foo bar", format, format),
            ("-nginx", format, format),
            ("nginx@sha256:abc", format, format),
            ("nginx:-1", format, format),
            ("a//b", format, format),
        ];
        for (image, before, after) in cases {
            assert_eq!(error(image, 28).as_deref(), Some(before), "{image} in 1.28");
            assert_eq!(error(image, 29).as_deref(), Some(after), "{image} in 1.29");
        }
        // An upper-case first component names a registry from 1.29 on.
        assert_eq!(error("Foo/bar", 28).as_deref(), Some(lower_old));
        assert_eq!(error("Foo/bar", 29), None);
        assert_eq!(
            error("Foo/Bar", 29).as_deref(),
            Some("invalid reference format: repository name (Bar) must be lowercase")
        );
        assert_eq!(error("[::1]:5000/app", 28).as_deref(), Some(format), "IPv6 registries from 1.29");
        assert_eq!(error("[::1]:5000/app", 29), None);
        let hex = "0123456789abcdef".repeat(4);
        assert_eq!(
            error(&hex, 30).unwrap(),
            format!("invalid repository name ({hex}), cannot specify 64-byte hexadecimal strings")
        );
        let digests = [
            (format!("nginx@sha256:{}", "a".repeat(40)), "invalid checksum digest length"),
            (format!("nginx@sha256:{}", "A".repeat(64)), "invalid checksum digest format"),
            (format!("nginx@md5:{}", "a".repeat(32)), "unsupported digest algorithm"),
            // (Without a tag the name is cut at the digest's colon, and its
            // capitals are the repository name's: `(library/nginx@SHA256)`.)
            (format!("nginx:1@SHA256:{}", "a".repeat(64)), "invalid checksum digest format"),
        ];
        for (image, message) in digests {
            assert_eq!(error(&image, 30).as_deref(), Some(message), "{image}");
        }
    }

    #[test]
    fn the_length_limit_counts_the_registry_until_1_32() {
        let too_long = "repository name must not be more than 255 characters";
        // `docker.io/library/` is 18 characters: 237 fit, 238 do not.
        assert_eq!(error(&"a".repeat(237), 31), None);
        assert_eq!(error(&"a".repeat(238), 31).as_deref(), Some(too_long));
        // From 1.32 the path alone (`library/` and the name) counts.
        assert_eq!(error(&"a".repeat(247), 32), None);
        assert_eq!(error(&"a".repeat(248), 32).as_deref(), Some(too_long));
    }

    #[test]
    fn the_kubelets_message_follows_its_release() {
        assert_eq!(
            invalid_image_message("NGINX", Version::new(27, 3)).unwrap(),
            "Failed to apply default image tag \"NGINX\": couldn't parse image reference \"NGINX\": invalid \
             reference format: repository name must be lowercase"
        );
        assert_eq!(
            invalid_image_message("NGINX", Version::new(28, 0)).unwrap(),
            "Failed to apply default image tag \"NGINX\": couldn't parse image name \"NGINX\": invalid \
             reference format: repository name must be lowercase"
        );
        assert_eq!(
            invalid_image_message("NGINX", Version::new(36, 0)).unwrap(),
            "Failed to apply default image tag \"NGINX\": couldn't parse image name \"NGINX\": invalid \
             reference format: repository name (library/NGINX) must be lowercase"
        );
        assert_eq!(invalid_image_message("nginx:1.27", Version::new(36, 0)), None);
    }
}
