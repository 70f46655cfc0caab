//! A located error about a scenario file, and its plain-text rendering.
//!
//! Owns the `Diagnostic` type and how it looks on a terminal: a header with
//! the stable code, the `--> file:line:column` pointer, a code frame with a
//! line-number gutter, a caret underline, and an optional help line, in the
//! style of rustc and ruff. No colour. Tabs are expanded, wide characters
//! take two columns, control characters are shown as U+FFFD, and very long
//! lines are cut to a window around the caret. Does not own how errors are
//! found or where they are; that is `lib`, `validate` and `locate`.

use std::fmt;

/// One problem in a scenario file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// A stable kebab-case identifier, like `unknown-field` or `invalid-value`.
    pub code: &'static str,
    /// What is wrong, starting with the path of the value when there is one.
    pub message: String,
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// How many characters to underline (at least 1).
    pub length: usize,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
}

/// The widest code line shown before it is cut to a window around the caret.
const MAX_LINE_WIDTH: usize = 120;
const TAB_WIDTH: usize = 4;

/// How many terminal columns a character takes: a rough East Asian width
/// (no tables), enough to keep carets under the right character.
fn char_width(c: char) -> usize {
    let code = c as u32;
    let zero_width = matches!(code,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200B..=0x200F
        | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0xFEFF);
    let wide = matches!(code,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD);
    if zero_width {
        0
    } else if wide {
        2
    } else {
        1
    }
}

/// A character as drawn in the frame, with its width.
fn cell(c: char) -> (String, usize) {
    if c == '\t' {
        (" ".repeat(TAB_WIDTH), TAB_WIDTH)
    } else if c.is_control() || invisible(c) {
        ("\u{FFFD}".to_string(), 1)
    } else {
        (c.to_string(), char_width(c))
    }
}

/// The code line as drawn, and the caret's start and width in columns.
fn frame_line(text: &str, column: usize, length: usize) -> (String, usize, usize) {
    let cells: Vec<(String, usize)> = text.chars().map(cell).collect();
    let first = column.saturating_sub(1);
    let length = length.max(1);
    // A caret past the end of the line sits just after it (or further, for a column beyond it).
    let (mut lo, mut hi) = (0usize, cells.len());
    let total: usize = cells.iter().map(|c| c.1).sum();
    if total > MAX_LINE_WIDTH {
        // Keep a window of cells around the caret.
        let anchor = first.min(cells.len());
        lo = anchor;
        let mut width = 0;
        while lo > 0 && width + cells[lo - 1].1 <= MAX_LINE_WIDTH / 3 {
            lo -= 1;
            width += cells[lo].1;
        }
        hi = anchor;
        while hi < cells.len() && width + cells[hi].1 <= MAX_LINE_WIDTH {
            width += cells[hi].1;
            hi += 1;
        }
    }
    let mut line = String::new();
    let mut start = 0usize;
    if lo > 0 {
        line.push_str("...");
        start += 3;
    }
    for (index, (drawn, width)) in cells.iter().enumerate().take(hi).skip(lo) {
        line.push_str(drawn);
        if index < first {
            start += width;
        }
    }
    let mut caret = 0usize;
    if first >= cells.len() {
        start += first - cells.len();
        caret = 1;
    } else {
        for (_, width) in cells.iter().take(hi.min(first + length)).skip(first) {
            caret += width;
        }
    }
    if hi < cells.len() {
        line.push_str("...");
    }
    (line, start, caret.max(1))
}

impl Diagnostic {
    /// The diagnostic as plain text, with a frame of the line it points at
    /// (no frame if that line is not in `source`). Ends with a newline.
    pub fn render(&self, source: &str) -> String {
        // Columns count from past a byte-order mark, as they are found.
        let source = crate::without_bom(source);
        let line_text = self
            .line
            .checked_sub(1)
            .and_then(|index| source.split('\n').nth(index))
            .map(|text| text.strip_suffix('\r').unwrap_or(text));
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let mut out = format!("error[{}]: {}\n", self.code, printable(&self.message));
        if self.line == 0 {
            // Line 0: a value no file holds, such as an action of the story
            // told around manifests.
            out.push_str(&format!(
                "{pad}--> {} (in the story around it: the value is written in no file)\n",
                printable(&self.file)
            ));
        } else {
            out.push_str(&format!("{pad}--> {}:{}:{}\n", printable(&self.file), self.line, self.column));
        }
        if let Some(text) = line_text {
            let (drawn, start, width) = frame_line(text, self.column, self.length);
            out.push_str(&format!("{pad} |\n"));
            let code_line = format!("{} | {drawn}", self.line);
            out.push_str(code_line.trim_end());
            out.push('\n');
            out.push_str(&format!("{pad} | {}{}\n", " ".repeat(start), "^".repeat(width)));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} = help: {}\n", printable(help)));
        }
        out
    }
}

/// Characters that change how a terminal shows text without being seen:
/// bidirectional overrides and isolates ("Trojan Source"), zero-width
/// characters and the byte-order mark.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The longest word shown whole in a message; longer ones are cut.
pub const MAX_WORD: usize = 200;

/// Whether [`printable`] would leave `text` as it is: no character to
/// escape and no word to cut. Checked before copying a long report.
pub fn is_printable(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut word = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        // ASCII (nearly every byte of a report) a byte at a time; other
        // characters decoded. No ASCII character is invisible, and the
        // only ASCII whitespace that is not a control is the space.
        let (printable, space, width) = match bytes[at] {
            b'\n' | b'\t' | b' ' => (true, true, 1),
            0x00..=0x1f | 0x7f => (false, false, 1),
            0x20..=0x7e => (true, false, 1),
            // `at` is always where a character starts, so there is one.
            _ => match text.get(at..).and_then(|rest| rest.chars().next()) {
                Some(c) => (!c.is_control() && !invisible(c), c.is_whitespace(), c.len_utf8()),
                None => return false,
            },
        };
        word = if space { 0 } else { word + 1 };
        if !printable || word > MAX_WORD {
            return false;
        }
        at += width;
    }
    true
}

/// `text` safe to print on a terminal: control characters other than
/// newline and tab escaped (`\u{1b}`), as are invisible characters that
/// reorder or hide text, and any word (run of non-spaces, as shown)
/// longer than [`MAX_WORD`] characters cut in its middle: its first
/// characters, `...(N more characters)...` with N the characters left out,
/// and its last few, so a quote or colon that ends it is kept. Idempotent:
/// what it returns it leaves as it is (each part of a cut word is within
/// [`MAX_WORD`], and escapes are printable), so text that goes through it
/// twice (a message, then the whole diagnostic) is cut once.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1 << 16));
    let mut word = Word::default();
    for c in text.chars() {
        let escaped = (c.is_control() && c != '\n' && c != '\t') || invisible(c);
        // Only white space shown as itself ends a word as shown: an
        // escaped `\r` is six characters of the word around it.
        if c.is_whitespace() && !escaped {
            word.finish(&mut out);
            out.push(c);
        } else if escaped {
            word.push(&format!("\\u{{{:x}}}", c as u32), &mut out);
        } else {
            word.push(c.encode_utf8(&mut [0; 4]), &mut out);
        }
    }
    word.finish(&mut out);
    out
}

/// The characters of a cut word shown before its marker: with the marker's
/// `...(` and a count of up to 20 digits, still one word of [`MAX_WORD`].
const CUT_HEAD: usize = MAX_WORD - 24;

/// The characters of a cut word shown after its marker's `characters)...`.
const CUT_TAIL: usize = 16;

/// The word [`printable`] is writing: its first [`CUT_HEAD`] characters
/// (as shown) are written at once; the rest is held until the word ends
/// within [`MAX_WORD`] (written whole) or passes it (cut: the pieces past
/// the head are counted, but for the last [`CUT_TAIL`] characters).
#[derive(Default)]
struct Word {
    /// Characters shown so far (an escape counts its length).
    width: usize,
    cut: bool,
    /// What follows the head, each piece one character of the text, until
    /// the word is cut; then its last pieces, within [`CUT_TAIL`].
    held: std::collections::VecDeque<String>,
    held_width: usize,
    /// Characters of the text left out of a cut word.
    skipped: usize,
}

impl Word {
    fn push(&mut self, piece: &str, out: &mut String) {
        let len = piece.chars().count();
        self.width += len;
        if !self.cut && self.width <= CUT_HEAD {
            out.push_str(piece);
            return;
        }
        self.held.push_back(piece.to_string());
        self.held_width += len;
        if !self.cut && self.width > MAX_WORD {
            self.cut = true;
        }
        while self.cut && self.held_width > CUT_TAIL {
            let Some(first) = self.held.pop_front() else { break };
            self.held_width -= first.chars().count();
            self.skipped += 1;
        }
    }

    fn finish(&mut self, out: &mut String) {
        if self.cut {
            out.push_str(&format!("...({} more characters)...", self.skipped));
        }
        for piece in self.held.drain(..) {
            out.push_str(&piece);
        }
        *self = Word::default();
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:column: error[code]: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error[{}]: {}",
            printable(&self.file),
            self.line,
            self.column,
            self.code,
            printable(&self.message)
        )
    }
}

impl std::error::Error for Diagnostic {}

#[cfg(test)]
mod tests {
    proptest! {
        /// The same, for any text (words long enough to be cut included).
        #[test]
        fn is_printable_agrees_with_printable_on_any_text(text in "(\\PC|[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}]|x{190,210}| ){0,40}") {
            prop_assert_eq!(is_printable(&text), printable(&text) == text);
        }
    }

    proptest! {
        /// What `printable` returns, it leaves as it is, and every word of
        /// it is within `MAX_WORD`.
        #[test]
        fn printable_is_idempotent(text in "(\\PC|[\u{0}-\u{1f}\u{7f}-\u{9f}\u{202a}-\u{202e}]|x{150,450}|\r| ){0,12}") {
            let once = printable(&text);
            prop_assert_eq!(printable(&once), once.clone());
            prop_assert!(once.split(char::is_whitespace).all(|w| w.chars().count() <= MAX_WORD), "{}", once);
        }
    }

    #[test]
    fn a_long_word_is_cut_once_in_its_middle_with_the_count_left_out() {
        let message = format!("invalid quantity \"{}\": the value is too large", "9".repeat(3000));
        let shown = printable(&message);
        let expected = format!(
            "invalid quantity \"{}...(2811 more characters)...{}\": the value is too large",
            "9".repeat(CUT_HEAD - 1),
            "9".repeat(CUT_TAIL - 2)
        );
        assert_eq!(shown, expected);
        assert_eq!(printable(&shown), shown);
        // The count is of the text's characters: the word is `"`, 3000 digits and `":`.
        assert_eq!(CUT_HEAD + 2811 + CUT_TAIL, 3003);
        // A word of escapes is measured as shown, so shown twice it stays.
        let escapes = "\u{1b}".repeat(40);
        let shown = printable(&escapes);
        assert!(shown.contains("more characters)"), "{shown}");
        assert_eq!(printable(&shown), shown);
        // Exactly MAX_WORD characters are shown whole.
        let word = "y".repeat(MAX_WORD);
        assert_eq!(printable(&word), word);
        assert_eq!(
            printable(&format!("{word}z")),
            format!("{}...(9 more characters)...{}", "y".repeat(CUT_HEAD), "y".repeat(CUT_TAIL - 1) + "z")
        );
    }

    /// `is_printable` says exactly when `printable` changes nothing.
    #[test]
    fn is_printable_agrees_with_printable() {
        let long = "x".repeat(MAX_WORD);
        let longer = "x".repeat(MAX_WORD + 1);
        let cases = [
            "plain text\nwith lines\tand tabs".to_string(),
            String::new(),
            "bell\u{7}".to_string(),
            "cr\r\n".to_string(),
            "bidi\u{202E}x".to_string(),
            format!("{long} {long}"),
            format!("a {longer}"),
            "unicode é ✓ 名前".to_string(),
            "delete\u{7f}".to_string(),
            "next line\u{85}".to_string(),
            format!("{long}\u{a0}{long}"),
        ];
        for case in cases {
            assert_eq!(is_printable(&case), printable(&case) == case, "{case:?}");
        }
    }

    use super::*;
    use proptest::prelude::*;

    fn diagnostic(line: usize, column: usize, length: usize) -> Diagnostic {
        Diagnostic {
            code: "invalid-value",
            message: "statefulsets[0].replicas: Invalid value: -1: must be greater than or equal to 0".into(),
            file: "scenarios/bad.ron".into(),
            line,
            column,
            length,
            help: Some("replicas is the desired number of pods; use 0 to stop them all".into()),
        }
    }

    #[test]
    fn renders_a_frame_with_gutter_and_caret() {
        let mut source = String::new();
        for _ in 0..11 {
            source.push_str("//\n");
        }
        source.push_str("        replicas: -1,\n");
        let expected = "\
error[invalid-value]: statefulsets[0].replicas: Invalid value: -1: must be greater than or equal to 0
  --> scenarios/bad.ron:12:19
   |
12 |         replicas: -1,
   |                   ^^
   = help: replicas is the desired number of pods; use 0 to stop them all
";
        assert_eq!(diagnostic(12, 19, 2).render(&source), expected);
    }

    #[test]
    fn renders_without_a_frame_when_the_line_is_missing() {
        let rendered = diagnostic(40, 1, 1).render("one line");
        assert_eq!(
            rendered,
            "error[invalid-value]: statefulsets[0].replicas: Invalid value: -1: must be greater than or equal to 0\n  \
             --> scenarios/bad.ron:40:1\n   = help: replicas is the desired number of pods; use 0 to stop them all\n"
        );
        assert!(!diagnostic(0, 1, 1).render("x").contains(" | "));
    }

    #[test]
    fn expands_tabs_and_measures_wide_characters() {
        let rendered = diagnostic(1, 3, 2).render("\t\u{4e2d}-1,");
        let lines: Vec<&str> = rendered.lines().collect();
        assert_eq!(lines[3], "1 |     中-1,");
        assert_eq!(lines[4], "  |       ^^");
    }

    #[test]
    fn clamps_carets_to_the_line_and_points_past_its_end() {
        let rendered = diagnostic(1, 3, 50).render("abcd\r\nnext");
        assert!(rendered.contains("1 | abcd\n  |   ^^\n"), "{rendered}");
        let rendered = diagnostic(1, 5, 1).render("abcd");
        assert!(rendered.contains("1 | abcd\n  |     ^\n"), "{rendered}");
    }

    #[test]
    fn cuts_long_lines_around_the_caret() {
        let text = format!("{}HERE{}", "a".repeat(300), "b".repeat(300));
        let rendered = diagnostic(1, 301, 4).render(&text);
        let lines: Vec<&str> = rendered.lines().collect();
        let caret_at = lines[4].find('^').unwrap();
        assert_eq!(&lines[3][caret_at..caret_at + 4], "HERE");
        assert!(lines[3].len() < 140);
    }

    proptest! {
        #[test]
        fn rendering_never_panics(source in "\\PC{0,80}", line in 0usize..5, column in 0usize..100, length in 0usize..100) {
            let rendered = diagnostic(line, column, length).render(&source);
            prop_assert!(rendered.starts_with("error[invalid-value]"));
        }
    }
}
