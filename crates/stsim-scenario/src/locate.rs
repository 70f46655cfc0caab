//! Where things are in the RON text: a small, forgiving structure scanner.
//!
//! Owns the mapping between a value's path (`statefulsets[0].replicas`,
//! `timeline[2].do`, `services[0].selector["app"]`) and its place in the
//! source (line, column, length), in both directions. It tokenizes the text
//! (comments, strings with escapes, raw strings, identifiers, numbers,
//! punctuation) and builds a tree of values keyed by field name, map key or
//! list index. It is used to place semantic errors, which serde cannot, and to
//! describe RON errors in terms of paths.
//!
//! It does not check syntax: it accepts anything, recovers from anything,
//! never recurses and never panics. A path that is not found resolves to its
//! nearest parent that is, and finally to line 1, column 1.

/// A place in the source, 1-based, in characters. `length` is at least 1 and
/// never runs past the end of the line it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub line: usize,
    pub column: usize,
    pub length: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Ident,
    Str,
    Number,
    Char,
    Punct(char),
    /// Any other single character.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    /// Byte offsets, always on character boundaries.
    pub start: usize,
    pub end: usize,
}

/// One segment of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// A struct field or a map key.
    Field(String),
    /// A list (or tuple) position.
    Index(usize),
}

#[derive(Debug, Clone)]
struct Node {
    start: usize,
    end: usize,
    key: Option<Key>,
    parent: Option<usize>,
    children: Vec<usize>,
    /// The identifier before `(`, as in `Scale(...)` or `Some(...)`.
    name: Option<String>,
}

#[derive(Debug)]
struct Frame {
    node: usize,
    open: char,
    next_index: usize,
    pending: Option<Key>,
}

/// A scanned source, ready to answer questions about places and paths.
#[derive(Debug)]
pub(crate) struct Locator<'a> {
    source: &'a str,
    tokens: Vec<Token>,
    nodes: Vec<Node>,
    root: Option<usize>,
    line_starts: Vec<usize>,
}

fn char_at(source: &str, i: usize) -> Option<char> {
    source.get(i..).and_then(|rest| rest.chars().next())
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Splits `source` into tokens, skipping whitespace and comments.
/// Unterminated strings and comments run to the end of the text.
pub(crate) fn tokenize(source: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let len = source.len();
    let mut i = 0;
    while let Some(c) = char_at(source, i) {
        let start = i;
        let next = char_at(source, i + c.len_utf8());
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '/' && next == Some('/') {
            i = source[i..].find('\n').map_or(len, |n| i + n);
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            let mut depth = 1usize;
            while i < len {
                let rest = &source[i..];
                if rest.starts_with("/*") {
                    depth += 1;
                    i += 2;
                } else if rest.starts_with("*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += char_at(source, i).map_or(1, char::len_utf8);
                }
            }
            continue;
        }
        // Raw strings r"..." r#"..."#, byte strings b"..." br"...", raw identifiers r#name.
        if c == 'r' || c == 'b' {
            let mut j = i + 1;
            if c == 'b' && char_at(source, j) == Some('r') {
                j += 1;
            }
            let is_raw = c == 'r' || j > i + 1;
            let hashes_start = j;
            while is_raw && char_at(source, j) == Some('#') {
                j += 1;
            }
            let hashes = j - hashes_start;
            if char_at(source, j) == Some('"') && (is_raw || c == 'b') {
                if is_raw {
                    let closing: String =
                        std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                    let body = j + 1;
                    i = source[body..].find(&closing).map_or(len, |n| body + n + closing.len());
                } else {
                    i = skip_quoted(source, j + 1, '"');
                }
                tokens.push(Token { kind: Tok::Str, start, end: i });
                continue;
            }
            if c == 'r' && hashes == 1 && char_at(source, j).is_some_and(is_ident_start) {
                i = j;
                while let Some(d) = char_at(source, i).filter(|d| is_ident_char(*d)) {
                    i += d.len_utf8();
                }
                tokens.push(Token { kind: Tok::Ident, start, end: i });
                continue;
            }
            if c == 'b' && char_at(source, j) == Some('\'') {
                i = skip_char_literal(source, j + 1);
                tokens.push(Token { kind: Tok::Char, start, end: i });
                continue;
            }
        }
        if c == '"' {
            i = skip_quoted(source, i + 1, '"');
            tokens.push(Token { kind: Tok::Str, start, end: i });
            continue;
        }
        if c == '\'' {
            i = skip_char_literal(source, i + 1);
            tokens.push(Token { kind: Tok::Char, start, end: i });
            continue;
        }
        let starts_number = c.is_ascii_digit()
            || ((c == '+' || c == '-' || c == '.') && next.is_some_and(|d| d.is_ascii_digit()))
            || ((c == '+' || c == '-') && next == Some('.'));
        if starts_number {
            i += c.len_utf8();
            let hex = source[start..].starts_with("0x") || source[start..].starts_with("0X");
            let mut prev = c;
            while let Some(d) = char_at(source, i) {
                let exponent_sign = (d == '+' || d == '-') && (prev == 'e' || prev == 'E') && !hex;
                if d.is_ascii_alphanumeric() || d == '_' || d == '.' || exponent_sign {
                    i += d.len_utf8();
                    prev = d;
                } else {
                    break;
                }
            }
            tokens.push(Token { kind: Tok::Number, start, end: i });
            continue;
        }
        if is_ident_start(c) {
            i += c.len_utf8();
            while let Some(d) = char_at(source, i).filter(|d| is_ident_char(*d)) {
                i += d.len_utf8();
            }
            tokens.push(Token { kind: Tok::Ident, start, end: i });
            continue;
        }
        i += c.len_utf8();
        let kind = match c {
            '(' | ')' | '[' | ']' | '{' | '}' | ',' | ':' | '#' | '!' => Tok::Punct(c),
            _ => Tok::Other,
        };
        tokens.push(Token { kind, start, end: i });
    }
    tokens
}

/// From just after an opening quote, the offset just after the closing one
/// (or the end of the text), honouring backslash escapes.
fn skip_quoted(source: &str, mut i: usize, quote: char) -> usize {
    while let Some(d) = char_at(source, i) {
        i += d.len_utf8();
        if d == '\\' {
            if let Some(e) = char_at(source, i) {
                i += e.len_utf8();
            }
        } else if d == quote {
            return i;
        }
    }
    source.len()
}

/// A char literal is short: stop at the closing quote or the end of the line.
fn skip_char_literal(source: &str, mut i: usize) -> usize {
    while let Some(d) = char_at(source, i) {
        if d == '\n' {
            return i;
        }
        i += d.len_utf8();
        if d == '\\' {
            if let Some(e) = char_at(source, i).filter(|e| *e != '\n') {
                i += e.len_utf8();
            }
        } else if d == '\'' {
            return i;
        }
    }
    source.len()
}

fn opener_of(close: char) -> char {
    match close {
        ')' => '(',
        ']' => '[',
        _ => '{',
    }
}

/// The text a key token stands for: an identifier without `r#`, or a
/// string's contents with the common escapes undone.
fn key_text(source: &str, token: Token) -> String {
    let text = source.get(token.start..token.end).unwrap_or("");
    match token.kind {
        Tok::Ident => text.strip_prefix("r#").unwrap_or(text).to_string(),
        Tok::Str if text.starts_with('"') => {
            let inner = text.strip_prefix('"').unwrap_or(text);
            let inner = inner.strip_suffix('"').unwrap_or(inner);
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('0') => out.push('\0'),
                    Some(other) => out.push(other),
                    None => {}
                }
            }
            out
        }
        Tok::Str => {
            // Raw string: drop r, b, hashes and quotes.
            let body = text.trim_start_matches(['b', 'r', '#']).trim_end_matches('#');
            let body = body.strip_prefix('"').unwrap_or(body);
            body.strip_suffix('"').unwrap_or(body).to_string()
        }
        _ => text.to_string(),
    }
}

/// Parses `a.b[0]["key"].c` into keys. Forgiving: odd input gives odd keys, never a panic.
pub(crate) fn parse_path(path: &str) -> Vec<Key> {
    let mut keys = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]").unwrap_or(after.len());
            keys.push(Key::Field(after[..end].to_string()));
            rest = after.get(end + 2..).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').unwrap_or(after.len());
            match after[..end].trim().parse::<usize>() {
                Ok(index) => keys.push(Key::Index(index)),
                Err(_) => keys.push(Key::Field(after[..end].to_string())),
            }
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            if end > 0 {
                keys.push(Key::Field(rest_trimmed[..end].to_string()));
            }
            rest = &rest_trimmed[end..];
            if end == 0 && rest.starts_with('.') {
                rest = &rest[1..];
            }
        }
    }
    keys
}

/// Formats keys back into a path; map keys that are not plain names are quoted.
pub(crate) fn format_path(keys: &[Key]) -> String {
    let mut out = String::new();
    for key in keys {
        match key {
            Key::Index(index) => out.push_str(&format!("[{index}]")),
            Key::Field(name) => {
                let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !plain {
                    out.push_str(&format!("[{name:?}]"));
                } else {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
            }
        }
    }
    out
}

impl<'a> Locator<'a> {
    pub(crate) fn new(source: &'a str) -> Locator<'a> {
        let tokens = tokenize(source);
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        let mut locator = Locator { source, tokens, nodes: Vec::new(), root: None, line_starts };
        locator.build_tree();
        locator
    }

    fn token_text(&self, token: Token) -> &'a str {
        self.source.get(token.start..token.end).unwrap_or("")
    }

    fn add_node(&mut self, start: usize, end: usize, key: Option<Key>, parent: Option<usize>) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node { start, end, key, parent, children: Vec::new(), name: None });
        if let Some(parent) = parent {
            self.nodes[parent].children.push(id);
        }
        id
    }

    fn build_tree(&mut self) {
        let tokens = std::mem::take(&mut self.tokens);
        let mut frames: Vec<Frame> = Vec::new();
        let mut j = 0;
        while j < tokens.len() {
            let token = tokens[j];
            let next = tokens.get(j + 1).map(|t| t.kind);
            match token.kind {
                Tok::Punct(close @ (')' | ']' | '}')) => {
                    let open = opener_of(close);
                    if let Some(position) = frames.iter().rposition(|f| f.open == open) {
                        let closed: Vec<Frame> = frames.drain(position..).collect();
                        for (n, frame) in closed.iter().enumerate() {
                            // Unclosed inner brackets end where the outer one does.
                            self.nodes[frame.node].end = if n == 0 { token.end } else { token.start };
                        }
                    }
                    j += 1;
                    continue;
                }
                Tok::Punct(',') => {
                    if let Some(frame) = frames.last_mut() {
                        frame.pending = None;
                    }
                    j += 1;
                    continue;
                }
                Tok::Punct(':') => {
                    j += 1;
                    continue;
                }
                _ => {}
            }
            let key = match frames.last_mut() {
                None => {
                    if self.root.is_some() {
                        break;
                    }
                    if token.kind == Tok::Punct('#') {
                        // An attribute like `#![enable(implicit_some)]`: skip to its closing `]`.
                        j += 1;
                        let mut depth = 0usize;
                        while j < tokens.len() {
                            match tokens[j].kind {
                                Tok::Punct('[') => depth += 1,
                                Tok::Punct(']') => {
                                    depth = depth.saturating_sub(1);
                                    if depth == 0 {
                                        j += 1;
                                        break;
                                    }
                                }
                                _ => {}
                            }
                            j += 1;
                        }
                        continue;
                    }
                    None
                }
                Some(frame) => {
                    let can_be_key = match frame.open {
                        '(' => token.kind == Tok::Ident,
                        '{' => {
                            matches!(token.kind, Tok::Str | Tok::Ident | Tok::Number | Tok::Char)
                        }
                        _ => false,
                    };
                    if frame.pending.is_none() && can_be_key && next == Some(Tok::Punct(':')) {
                        frame.pending = Some(Key::Field(key_text(self.source, token)));
                        j += 2;
                        continue;
                    }
                    Some(frame.pending.take().unwrap_or_else(|| {
                        let key = Key::Index(frame.next_index);
                        frame.next_index += 1;
                        key
                    }))
                }
            };
            let parent = frames.last().map(|f| f.node);
            let node = self.add_node(token.start, token.end, key, parent);
            if parent.is_none() {
                self.root = Some(node);
            }
            match token.kind {
                Tok::Ident if next == Some(Tok::Punct('(')) => {
                    let name = key_text(self.source, token);
                    self.nodes[node].name = Some(name);
                    frames.push(Frame { node, open: '(', next_index: 0, pending: None });
                    j += 2;
                }
                Tok::Punct(open @ ('(' | '[' | '{')) => {
                    frames.push(Frame { node, open, next_index: 0, pending: None });
                    j += 1;
                }
                _ => j += 1,
            }
        }
        for frame in frames {
            self.nodes[frame.node].end = self.source.len();
        }
        self.tokens = tokens;
    }

    /// Strings (and characters) longer than `max` characters: their first
    /// token's byte offset and length in characters.
    pub(crate) fn long_strings(&self, max: usize) -> Vec<(usize, usize)> {
        self.tokens
            .iter()
            .filter(|t| matches!(t.kind, Tok::Str | Tok::Char | Tok::Ident | Tok::Number))
            .filter(|t| t.end - t.start > max)
            .map(|t| (t.start, self.token_text(*t).chars().count()))
            .filter(|(_, chars)| *chars > max)
            .collect()
    }

    /// Lists, maps and structs holding more items than `max(path)`: their
    /// path, byte offset and number of items.
    pub(crate) fn long_lists(&self, max: impl Fn(&str) -> usize) -> Vec<(String, usize, usize)> {
        let mut out = Vec::new();
        for (id, node) in self.nodes.iter().enumerate() {
            let items = node.children.len();
            if items < 2 {
                continue;
            }
            let path = self.path_of(id);
            if items > max(&path) {
                out.push((path, node.start, items));
            }
        }
        out
    }

    /// `Some(x)` is transparent in paths: look through it to `x`.
    fn unwrap_some(&self, mut node: usize) -> usize {
        // Bounded by the number of nodes: each step goes strictly deeper.
        for _ in 0..self.nodes.len() {
            let n = &self.nodes[node];
            if n.name.as_deref() == Some("Some") && n.children.len() == 1 {
                node = n.children[0];
            } else {
                break;
            }
        }
        node
    }

    fn child(&self, node: usize, key: &Key) -> Option<usize> {
        let node = self.unwrap_some(node);
        let children = &self.nodes[node].children;
        // A list's items are its children in order: item i is child i (no scan, so
        // locating every entry of a long list stays linear overall).
        if let Key::Index(i) = key
            && let Some(&child) = children.get(*i)
            && self.nodes[child].key.as_ref() == Some(key)
        {
            return Some(child);
        }
        children.iter().copied().find(|c| self.nodes[*c].key.as_ref() == Some(key))
    }

    /// The node at `path`, or its nearest ancestor that exists.
    fn find_node(&self, path: &str) -> Option<usize> {
        let mut node = self.root?;
        for key in parse_path(path) {
            match self.child(node, &key) {
                Some(child) => node = child,
                None => break,
            }
        }
        Some(node)
    }

    /// The byte span of the value at exactly `path` (no fallback), and
    /// whether it is a single string token.
    pub(crate) fn exact_span(&self, path: &str) -> Option<(usize, usize, bool)> {
        let mut node = self.root?;
        for key in parse_path(path) {
            node = self.child(node, &key)?;
        }
        let n = &self.nodes[node];
        let string = self.token_at(n.start).is_some_and(|t| t.kind == Tok::Str && t.end == n.end);
        Some((n.start, n.end, string))
    }

    /// Where the value at `path` is; see the module documentation for fallbacks.
    pub(crate) fn find(&self, path: &str) -> Place {
        match self.find_node(path) {
            Some(node) => self.place_of_node(node),
            None => Place { line: 1, column: 1, length: 1 },
        }
    }

    /// The place of a node: its first line, up to the end of its last token on that line.
    fn place_of_node(&self, node: usize) -> Place {
        let Node { start, end, .. } = self.nodes[node];
        let (line, column) = self.line_col(start);
        let line_end = self.line_end(start);
        let limit = end.min(line_end);
        // The end of the last token that starts on the first line inside the node.
        let first = self.tokens.partition_point(|t| t.start < start);
        let mut stop = start;
        for token in &self.tokens[first..] {
            if token.start >= limit {
                break;
            }
            stop = token.end.min(limit);
        }
        let length = self.source.get(start..stop).map_or(0, |s| s.chars().count()).max(1);
        Place { line, column, length }
    }

    /// Byte offset of the end of the line containing `offset` (before the `\n`).
    fn line_end(&self, offset: usize) -> usize {
        let rest = self.source.get(offset..).unwrap_or("");
        offset + rest.find('\n').unwrap_or(rest.len())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let index = self.line_starts.partition_point(|s| *s <= offset).saturating_sub(1);
        let line_start = self.line_starts.get(index).copied().unwrap_or(0);
        let column = self.source.get(line_start..offset).map_or(0, |s| s.chars().count()) + 1;
        (index + 1, column)
    }

    /// Byte offset of a 1-based line and column (in characters), clamped to the text.
    pub(crate) fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(&line_start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.source.len();
        };
        let line_end = self.line_end(line_start);
        let text = self.source.get(line_start..line_end).unwrap_or("");
        let skip = column.saturating_sub(1);
        match text.char_indices().nth(skip) {
            Some((i, _)) => line_start + i,
            None => line_end,
        }
    }

    pub(crate) fn source(&self) -> &'a str {
        self.source
    }

    /// The token that contains `offset`, if any.
    pub(crate) fn token_at(&self, offset: usize) -> Option<Token> {
        let index = self.tokens.partition_point(|t| t.end <= offset);
        self.tokens.get(index).copied().filter(|t| t.start <= offset)
    }

    /// The token that contains `offset`, or else the first one after it.
    pub(crate) fn token_at_or_after(&self, offset: usize) -> Option<Token> {
        let index = self.tokens.partition_point(|t| t.end <= offset);
        self.tokens.get(index).copied()
    }

    /// The last token that ends at or before `offset`.
    pub(crate) fn token_before(&self, offset: usize) -> Option<Token> {
        let index = self.tokens.partition_point(|t| t.end <= offset);
        index.checked_sub(1).and_then(|i| self.tokens.get(i).copied())
    }

    pub(crate) fn text_of(&self, token: Token) -> &'a str {
        self.token_text(token)
    }

    /// The number of characters of `token` on its first line (at least 1).
    pub(crate) fn token_length(&self, token: Token) -> usize {
        let stop = token.end.min(self.line_end(token.start));
        self.source.get(token.start..stop).map_or(0, |s| s.chars().count()).max(1)
    }

    /// The innermost bracket still open just before `offset`, with its offset.
    pub(crate) fn open_bracket_at(&self, offset: usize) -> Option<(char, usize)> {
        let mut stack: Vec<(char, usize)> = Vec::new();
        for token in self.tokens.iter().take_while(|t| t.start < offset) {
            match token.kind {
                Tok::Punct(open @ ('(' | '[' | '{')) => stack.push((open, token.start)),
                Tok::Punct(close @ (')' | ']' | '}')) => {
                    let open = opener_of(close);
                    if let Some(position) = stack.iter().rposition(|(c, _)| *c == open) {
                        stack.truncate(position);
                    }
                }
                _ => {}
            }
        }
        stack.last().copied()
    }

    /// The path of the innermost value whose text contains `offset` ("" for the top level).
    pub(crate) fn path_at(&self, offset: usize) -> String {
        let Some(node) = self.node_at(offset) else {
            return String::new();
        };
        self.path_of(node)
    }

    /// The innermost value whose text contains `offset`.
    fn node_at(&self, offset: usize) -> Option<usize> {
        let mut node = self.root?;
        let contains = |n: &Node| n.start <= offset && offset < n.end;
        if !contains(&self.nodes[node]) {
            return Some(node);
        }
        loop {
            let inner = self.nodes[node].children.iter().copied().find(|c| contains(&self.nodes[*c]));
            match inner {
                Some(child) => node = child,
                None => return Some(node),
            }
        }
    }

    /// The place of the innermost value containing `offset`.
    pub(crate) fn place_of_value_at(&self, offset: usize) -> Option<Place> {
        self.node_at(offset).map(|node| self.place_of_node(node))
    }

    /// Keys written twice in one map (`{"app": "a", "app": "b"}`), which
    /// serde would silently collapse to the last: for each repeat, the
    /// map's path, the key, where the repeated key is and where the first is.
    pub(crate) fn repeated_map_keys(&self) -> Vec<(String, String, Place, Place)> {
        let mut out = Vec::new();
        for (id, node) in self.nodes.iter().enumerate() {
            if char_at(self.source, node.start) != Some('{') {
                continue;
            }
            // By key, the first entry that wrote it: a map may have many
            // keys (a hostile one, tens of thousands), so neither a scan of
            // those seen nor a place worked out for each key that is not repeated.
            let mut seen: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
            for child in &node.children {
                let Some(Key::Field(key)) = &self.nodes[*child].key else { continue };
                match seen.get(key.as_str()) {
                    Some(first) => out.push((
                        self.path_of(id),
                        key.clone(),
                        self.key_place(*child),
                        self.key_place(*first),
                    )),
                    None => {
                        seen.insert(key, *child);
                    }
                }
            }
        }
        out
    }

    /// The place of the key written before a map entry's value (`key: value`).
    fn key_place(&self, node: usize) -> Place {
        let start = self.nodes[node].start;
        let index = self.tokens.partition_point(|t| t.start < start);
        let Some(key) = index.checked_sub(2).map(|i| self.tokens[i]) else { return self.place_of_node(node) };
        let (line, column) = self.line_col(key.start);
        Place { line, column, length: self.token_length(key) }
    }

    fn path_of(&self, node: usize) -> String {
        let mut keys = Vec::new();
        let mut current = Some(node);
        while let Some(id) = current {
            let n = &self.nodes[id];
            let parent = n.parent;
            let parent_is_some = parent.is_some_and(|p| self.nodes[p].name.as_deref() == Some("Some"));
            if let (Some(key), false) = (&n.key, parent_is_some) {
                keys.push(key.clone());
            }
            current = parent;
        }
        keys.reverse();
        format_path(&keys)
    }
}

/// Where the value at `path` is in `source`.
#[cfg(test)]
pub(crate) fn locate(source: &str, path: &str) -> Place {
    Locator::new(source).find(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SOURCE: &str = r##"// comment with ( and [ that must not count
Scenario(
    name: "demo", /* block /* nested */ comment ( */
    statefulsets: [
        (
            name: "redis",
            replicas: -1,
            selector: {"app": "redis", "tier": "cache"},
            template: (image: r#"re"dis"#, readinessProbe: Some((periodSeconds: 3))),
        ),
        (name: "b\"q", replicas: 2),
    ],
    timeline: [(at: "1s", do: Scale(statefulset: "redis", replicas: 3)), (at: "2s", r#do: Stop)],
)
"##;

    #[test]
    fn finds_fields_and_list_items() {
        assert_eq!(locate(SOURCE, "name"), Place { line: 3, column: 11, length: 6 });
        assert_eq!(locate(SOURCE, "statefulsets[0].replicas"), Place { line: 7, column: 23, length: 2 });
        assert_eq!(locate(SOURCE, "statefulsets[1].replicas"), Place { line: 11, column: 34, length: 1 });
        assert_eq!(locate(SOURCE, "statefulsets[1].name"), Place { line: 11, column: 16, length: 6 });
        assert_eq!(locate(SOURCE, "statefulsets[0]"), Place { line: 5, column: 9, length: 1 });
        assert_eq!(locate(SOURCE, "timeline[0].do"), Place { line: 13, column: 31, length: 40 });
        assert_eq!(locate(SOURCE, "timeline[0].do.replicas"), Place { line: 13, column: 69, length: 1 });
        assert_eq!(locate(SOURCE, "timeline[1].do"), Place { line: 13, column: 91, length: 4 });
    }

    #[test]
    fn finds_map_keys_and_sees_through_some() {
        assert_eq!(
            locate(SOURCE, "statefulsets[0].selector[\"tier\"]"),
            Place { line: 8, column: 48, length: 7 }
        );
        assert_eq!(
            locate(SOURCE, "statefulsets[0].template.readinessProbe.periodSeconds"),
            Place { line: 9, column: 81, length: 1 }
        );
        assert_eq!(
            locate(SOURCE, "statefulsets[0].template.image"),
            Place { line: 9, column: 31, length: 11 }
        );
    }

    #[test]
    fn falls_back_to_the_nearest_parent_then_the_start() {
        assert_eq!(locate(SOURCE, "statefulsets[1].template.image"), locate(SOURCE, "statefulsets[1]"));
        assert_eq!(locate(SOURCE, "statefulsets[7]"), locate(SOURCE, "statefulsets"));
        assert_eq!(locate("", "name"), Place { line: 1, column: 1, length: 1 });
        assert_eq!(locate("// only a comment", "a.b"), Place { line: 1, column: 1, length: 1 });
    }

    #[test]
    fn maps_offsets_to_paths() {
        let locator = Locator::new(SOURCE);
        let offset = locator.offset_of(7, 23);
        assert_eq!(locator.path_at(offset), "statefulsets[0].replicas");
        let offset = locator.offset_of(9, 81);
        assert_eq!(locator.path_at(offset), "statefulsets[0].template.readinessProbe.periodSeconds");
        assert_eq!(locator.path_at(0), "");
        assert_eq!(locator.line_col(locator.offset_of(13, 69)), (13, 69));
        assert_eq!(locator.path_at(locator.offset_of(13, 92)), "timeline[1].do");
    }

    #[test]
    fn counts_columns_in_characters() {
        let source = "Scenario(name: \"é\", seed: 1)";
        assert_eq!(locate(source, "seed"), Place { line: 1, column: 27, length: 1 });
    }

    #[test]
    fn skips_attributes_and_tolerates_broken_text() {
        let source = "#![enable(implicit_some)]\nScenario(name: \"x\")";
        assert_eq!(locate(source, "name"), Place { line: 2, column: 16, length: 3 });
        let broken = "Scenario(a: [(b: 1, c: (d: 2], e: \"unterminated";
        assert_eq!(locate(broken, "a[0].c.d"), Place { line: 1, column: 28, length: 1 });
        assert_eq!(locate(broken, "e").line, 1);
    }

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_path("a.b[2][\"x.y\"].c"),
            vec![
                Key::Field("a".into()),
                Key::Field("b".into()),
                Key::Index(2),
                Key::Field("x.y".into()),
                Key::Field("c".into())
            ]
        );
        assert_eq!(format_path(&parse_path("a.b[2][\"x.y\"].c")), "a.b[2][\"x.y\"].c");
    }

    proptest! {
        #[test]
        fn never_panics(source in "\\PC{0,200}", path in "[a-z\\[\\]\"0-9.]{0,20}", line in 0usize..20, column in 0usize..50) {
            let locator = Locator::new(&source);
            let place = locator.find(&path);
            prop_assert!(place.line >= 1 && place.column >= 1 && place.length >= 1);
            let offset = locator.offset_of(line, column);
            let _ = locator.path_at(offset);
            let _ = locator.open_bracket_at(offset);
            let _ = locator.token_at(offset);
            let _ = locator.token_before(offset);
        }

        #[test]
        fn never_panics_on_ron_like_text(source in "[(){}\\[\\],:\"'/*#!r a-z0-9\\\\\n-]{0,200}", path in "[a-z\\[\\]0-9.]{0,12}") {
            let place = locate(&source, &path);
            prop_assert!(place.line >= 1 && place.column >= 1 && place.length >= 1);
        }
    }
}
