//! Reading what a user hands stsim, and showing it back safely.
//!
//! Owns reading a scenario file within bounds: only a regular file (a FIFO,
//! a device like `/dev/zero` or a directory is refused before it is opened,
//! so nothing blocks), at most the format's input limit
//! (`stsim_scenario::limits`), and UTF-8 with the line, column and byte
//! offset of the first bad byte. Also owns making text safe for a terminal:
//! control characters escaped, very long words cut. Does not own the format.

use std::io::Read;
use std::path::Path;

/// Why a file could not be read; `NotFound` lets the caller try a built-in name.
#[derive(Debug)]
pub enum ReadError {
    NotFound(String),
    Refused(String),
}

impl ReadError {
    pub fn message(&self) -> &str {
        match self {
            ReadError::NotFound(m) | ReadError::Refused(m) => m,
        }
    }
}

/// Reads `path` as UTF-8 text of at most `cap` bytes.
pub fn read_bounded(path: &Path, cap: u64) -> Result<String, ReadError> {
    let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound(e.to_string()),
        _ => ReadError::Refused(e.to_string()),
    })?;
    if metadata.is_dir() {
        return Err(ReadError::Refused("it is a directory, not a scenario file".to_string()));
    }
    if !metadata.is_file() {
        return Err(ReadError::Refused(
            "it is not a regular file (a pipe, socket or device is not read, so nothing can block or run on)"
                .to_string(),
        ));
    }
    let too_big = |size: String| {
        ReadError::Refused(format!(
            "it is {size}, more than the {} a scenario may be (see `limits` in docs/scenario-format.md; \
             `--allow-large` raises it)",
            human_bytes(cap)
        ))
    };
    if metadata.len() > cap {
        return Err(too_big(human_bytes(metadata.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Refused(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Refused(e.to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(too_big("larger than that".to_string()));
    }
    utf8(bytes).map_err(ReadError::Refused)
}

/// The bytes as text, or where the first byte that is not UTF-8 is.
pub fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|error| {
        let bytes = error.as_bytes();
        let at = error.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&bytes[..at]);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let byte = bytes.get(at).copied().unwrap_or(0);
        format!(
            "it is not UTF-8 text: the byte 0x{byte:02x} at line {line}, column {column} (byte offset {at}) \
             does not start a UTF-8 character"
        )
    })
}

fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / f64::from(1u32 << 20))
    } else if n >= 1 << 10 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// `text` safe to print: see `stsim_scenario::printable`.
pub fn escape(text: &str) -> String {
    stsim_scenario::printable(text)
}

/// A file name as shown in messages.
pub fn shown(file: &str) -> String {
    escape(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_words_cut() {
        assert_eq!(escape("a\u{1b}[31mb\0\nok\t."), "a\\u{1b}[31mb\\u{0}\nok\t.");
        let long = "x".repeat(1000);
        let shown = escape(&format!("name {long} end"));
        assert_eq!(shown, format!("name {}...(800 more characters) end", "x".repeat(200)));
    }

    #[test]
    fn bad_utf8_is_located() {
        let error = utf8(b"ab\ncd\xffe".to_vec()).unwrap_err();
        assert!(error.contains("0xff at line 2, column 3 (byte offset 5)"), "{error}");
    }

    #[test]
    fn special_files_are_refused_before_reading() {
        let error = read_bounded(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(error.message().contains("not a regular file"), "{}", error.message());
        let error = read_bounded(Path::new("/"), 1 << 20).unwrap_err();
        assert!(error.message().contains("directory"), "{}", error.message());
    }
}
