//! YAML: `stsim run -o yaml`, `stsim events -o yaml` and `stsim export`.
//!
//! Owns a small block-style emitter in the shape `kubectl get -o yaml`
//! prints: two-space indents, list items at their key's indent, strings
//! plain when nothing could read them as another type, else double-quoted
//! with JSON escapes (which YAML's double-quoted style accepts).
//!
//! The emitter is a serde `Serializer` that writes as it is fed, so a
//! report of millions of rows is written without a tree of it (or of its
//! text) in memory. It writes what the serde form of the value would be
//! as a `serde_json::Value` (`None` and `()` as `null`, enums externally
//! tagged, numbers as serde_json prints them), and [`to_yaml`] of a
//! `Value` is the same text: one emitter for both.

use serde::ser::{self, Serialize};
use std::io::Write;

/// A YAML document (without `---`) for `value`.
pub fn to_yaml(value: &serde_json::Value) -> String {
    let mut out = Vec::new();
    // invariant: a Value has string keys and writing to a Vec cannot fail.
    write(value, &mut out, Keys::AsTheyAre).expect("a Value always writes as YAML");
    // invariant: the emitter writes only the UTF-8 of its input and ASCII.
    String::from_utf8(out).expect("YAML of UTF-8 text is UTF-8")
}

/// How keys are written: as serialized, or renamed to camelCase (the
/// report's fields, as `render::json` renames them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    AsTheyAre,
    Camel,
}

/// Writes `value` as one YAML document to `out`, as it is serialized.
/// Fails as `out` does, or for a value with no YAML form here (a map key
/// that is not a string, number or unit variant).
pub fn write<T: Serialize + ?Sized>(value: &T, out: &mut dyn Write, keys: Keys) -> std::io::Result<()> {
    let mut emitter = Emitter { out, keys, open: Vec::new(), next: Place::Top };
    value.serialize(&mut emitter).map_err(|error| match error {
        Error::Io(error) => error,
        Error::Unsupported(message) => std::io::Error::other(message),
    })
}

/// Whether `text` reads back as this same string when written plain.
fn plain_ok(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    first.is_ascii_alphabetic()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !reserved.contains(&text.to_ascii_lowercase().as_str())
        && !text.ends_with('.')
}

/// A string as a scalar: plain, else JSON's double-quoted form.
fn string(text: &str) -> std::borrow::Cow<'_, str> {
    if plain_ok(text) {
        std::borrow::Cow::Borrowed(text)
    } else {
        // invariant: a string always serializes to JSON.
        std::borrow::Cow::Owned(serde_json::to_string(text).expect("strings always print"))
    }
}

/// Where the next value goes.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// The document itself.
    Top,
    /// After `key:` of a mapping whose keys are at `indent`.
    Value { indent: usize },
    /// After `- ` of a sequence whose items are at `indent`.
    Item { indent: usize },
}

/// A mapping or sequence begun and not ended.
struct Open {
    map: bool,
    /// Where it goes (an empty one is written there as `{}` or `[]`).
    place: Place,
    /// The indent of its keys or items.
    indent: usize,
    /// Whether a key or item was written.
    started: bool,
}

/// The serializer: writes each part as it comes.
struct Emitter<'w> {
    out: &'w mut dyn Write,
    keys: Keys,
    open: Vec<Open>,
    next: Place,
}

#[derive(Debug)]
enum Error {
    Io(std::io::Error),
    Unsupported(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(error) => error.fmt(f),
            Error::Unsupported(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(message: T) -> Error {
        Error::Unsupported(message.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Error {
        Error::Io(error)
    }
}

type Result<T> = std::result::Result<T, Error>;

const SPACES: &str = "                                                                ";

impl Emitter<'_> {
    fn spaces(&mut self, mut n: usize) -> Result<()> {
        while n > 0 {
            let chunk = n.min(SPACES.len());
            self.out.write_all(&SPACES.as_bytes()[..chunk])?;
            n -= chunk;
        }
        Ok(())
    }

    /// A scalar in the place the last key or item made.
    fn scalar(&mut self, text: &str) -> Result<()> {
        if let Place::Value { .. } = self.next {
            self.out.write_all(b" ")?;
        }
        self.out.write_all(text.as_bytes())?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    /// Begins a mapping (`map`) or a sequence in the next place.
    fn begin(&mut self, map: bool) {
        let place = self.next;
        let indent = match (map, place) {
            (_, Place::Top) => 0,
            (true, Place::Value { indent }) | (_, Place::Item { indent }) => indent + 2,
            // A sequence's items are at its key's indent.
            (false, Place::Value { indent }) => indent,
        };
        self.open.push(Open { map, place, indent, started: false });
    }

    /// Before a key or item of the innermost open container: the line
    /// break that follows its key or `- `, before its first (the first key
    /// of a mapping in a sequence follows the `- `). Returns its indent and
    /// whether this is the first key of a mapping in a sequence.
    fn child(&mut self) -> Result<(usize, bool)> {
        let Some(open) = self.open.last_mut() else {
            return Err(Error::Unsupported("a key or item outside any mapping or sequence".into()));
        };
        let first = !open.started;
        open.started = true;
        let (indent, place, map) = (open.indent, open.place, open.map);
        let inline = first && map && matches!(place, Place::Item { .. });
        if first && !inline && !matches!(place, Place::Top) {
            self.out.write_all(b"\n")?;
        }
        Ok((indent, inline))
    }

    fn key(&mut self, key: &str) -> Result<()> {
        let (indent, inline) = self.child()?;
        if !inline {
            self.spaces(indent)?;
        }
        let renamed;
        let key = match self.keys {
            Keys::AsTheyAre => key,
            Keys::Camel => {
                renamed = super::json::camel(key);
                &renamed
            }
        };
        self.out.write_all(string(key).as_bytes())?;
        self.out.write_all(b":")?;
        self.next = Place::Value { indent };
        Ok(())
    }

    fn item(&mut self) -> Result<()> {
        let (indent, _) = self.child()?;
        self.spaces(indent)?;
        self.out.write_all(b"- ")?;
        self.next = Place::Item { indent };
        Ok(())
    }

    /// Ends the innermost container: `{}` or `[]` where it went, if it
    /// had nothing.
    fn end(&mut self) -> Result<()> {
        let Some(open) = self.open.pop() else {
            return Err(Error::Unsupported("an end outside any mapping or sequence".into()));
        };
        if !open.started {
            self.next = open.place;
            self.scalar(if open.map { "{}" } else { "[]" })?;
        }
        Ok(())
    }

    fn number(&mut self, number: serde_json::Number) -> Result<()> {
        self.scalar(&number.to_string())
    }
}

/// A map key as text, as serde_json makes one: strings, characters,
/// numbers, booleans and unit variants.
struct KeyText;

fn not_a_key<T>() -> Result<T> {
    Err(Error::Unsupported("a map key must be a string".into()))
}

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    fn serialize_bool(self, v: bool) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _: f32) -> Result<String> {
        not_a_key()
    }
    fn serialize_f64(self, _: f64) -> Result<String> {
        not_a_key()
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String> {
        not_a_key()
    }
    fn serialize_none(self) -> Result<String> {
        not_a_key()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String> {
        not_a_key()
    }
    fn serialize_unit(self) -> Result<String> {
        not_a_key()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        not_a_key()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<String> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<String> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        not_a_key()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        not_a_key()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        not_a_key()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct> {
        not_a_key()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        not_a_key()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        not_a_key()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        not_a_key()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        not_a_key()
    }
}

impl<'a, 'w> ser::Serializer for &'a mut Emitter<'w> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = &'a mut Emitter<'w>;
    type SerializeTuple = &'a mut Emitter<'w>;
    type SerializeTupleStruct = &'a mut Emitter<'w>;
    type SerializeTupleVariant = &'a mut Emitter<'w>;
    type SerializeMap = &'a mut Emitter<'w>;
    type SerializeStruct = &'a mut Emitter<'w>;
    type SerializeStructVariant = &'a mut Emitter<'w>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.scalar(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        match i64::try_from(v) {
            Ok(v) => self.number(v.into()),
            Err(_) => match u64::try_from(v) {
                Ok(v) => self.number(v.into()),
                Err(_) => Err(Error::Unsupported("number out of range".into())),
            },
        }
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        match u64::try_from(v) {
            Ok(v) => self.number(v.into()),
            Err(_) => Err(Error::Unsupported("number out of range".into())),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        // As serde_json's `Value` keeps it: the f32 widened.
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        // Not finite: `null`, as in a `Value`.
        match serde_json::Number::from_f64(v) {
            Some(number) => self.number(number),
            None => self.scalar("null"),
        }
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        let text = string(v);
        self.scalar(&text)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for byte in v {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<()> {
        self.scalar("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.scalar("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.scalar("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.begin(true);
        self.key(variant)?;
        value.serialize(&mut *self)?;
        self.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self> {
        self.begin(false);
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self> {
        self.begin(true);
        self.key(variant)?;
        self.begin(false);
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self> {
        self.begin(true);
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self> {
        self.begin(true);
        self.key(variant)?;
        self.begin(true);
        Ok(self)
    }
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<()> {
        self.serialize_str(&value.to_string())
    }
}

impl ser::SerializeSeq for &mut Emitter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.item()?;
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<()> {
        Emitter::end(self)
    }
}

impl ser::SerializeTuple for &mut Emitter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<()> {
        Emitter::end(self)
    }
}

impl ser::SerializeTupleStruct for &mut Emitter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<()> {
        Emitter::end(self)
    }
}

impl ser::SerializeTupleVariant for &mut Emitter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    /// Ends the sequence, then the mapping of the variant around it.
    fn end(self) -> Result<()> {
        Emitter::end(self)?;
        Emitter::end(self)
    }
}

impl ser::SerializeMap for &mut Emitter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        let key = key.serialize(KeyText)?;
        self.key(&key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<()> {
        Emitter::end(self)
    }
}

impl ser::SerializeStruct for &mut Emitter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.key(key)?;
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<()> {
        Emitter::end(self)
    }
}

impl ser::SerializeStructVariant for &mut Emitter<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    /// Ends the fields' mapping, then the mapping of the variant around it.
    fn end(self) -> Result<()> {
        Emitter::end(self)?;
        Emitter::end(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn block_style_like_kubectl() {
        let value = serde_json::json!({
            "apiVersion": "v1", "kind": "List", "items": [{"a": 1, "b": ["x", "true", "1.5", ""]}, []],
            "empty": {}, "s": "has: colon", "n": null
        });
        assert_eq!(
            to_yaml(&value),
            "apiVersion: v1\nkind: List\nitems:\n- a: 1\n  b:\n  - x\n  - \"true\"\n  - \"1.5\"\n  - \"\"\n- []\nempty: {}\ns: \"has: colon\"\n\"n\": null\n"
        );
    }

    /// The emitter as it was, over a `Value` built first: what the
    /// streamed text must equal.
    fn reference(value: &Value) -> String {
        fn scalar(value: &Value) -> String {
            match value {
                Value::Null => "null".into(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                Value::String(s) => string(s).into_owned(),
                Value::Array(_) => "[]".into(),
                Value::Object(_) => "{}".into(),
            }
        }
        fn is_block(value: &Value) -> bool {
            match value {
                Value::Object(map) => !map.is_empty(),
                Value::Array(items) => !items.is_empty(),
                _ => false,
            }
        }
        fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 || !out.ends_with("- ") {
                    out.push_str(&" ".repeat(indent));
                }
                out.push_str(&string(k));
                out.push(':');
                match v {
                    Value::Object(inner) if !inner.is_empty() => {
                        out.push('\n');
                        mapping(inner, indent + 2, out);
                    }
                    Value::Array(items) if !items.is_empty() => {
                        out.push('\n');
                        sequence(items, indent, out);
                    }
                    other => {
                        out.push(' ');
                        out.push_str(&scalar(other));
                        out.push('\n');
                    }
                }
            }
        }
        fn sequence(items: &[Value], indent: usize, out: &mut String) {
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push_str("- ");
                match item {
                    Value::Object(map) if is_block(item) => mapping(map, indent + 2, out),
                    Value::Array(inner) if is_block(item) => {
                        out.push('\n');
                        sequence(inner, indent + 2, out);
                    }
                    other => {
                        out.push_str(&scalar(other));
                        out.push('\n');
                    }
                }
            }
        }
        let mut out = String::new();
        match value {
            Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
            Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
        out
    }

    /// Any JSON value: nested mappings and sequences, empty or not, in
    /// every place, and scalars that must be quoted.
    fn values() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z0-9 .:_/\"-]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::vec(("[a-zA-Z_ :]{0,6}", inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn streamed_is_the_value_emitter(value in values()) {
            proptest::prop_assert_eq!(to_yaml(&value), reference(&value));
        }
    }

    /// Written from the serde form of a type, the text is that of its
    /// `Value`, with the keys renamed when asked: enums of every shape,
    /// options, unit, bytes, characters, floats and maps of other keys.
    #[test]
    fn serialized_types_write_as_their_values() {
        #[derive(serde::Serialize)]
        enum Shape {
            Unit,
            Newtype(u32),
            Tuple(u8, String),
            Fields { snake_case: Option<i8>, other: () },
            EmptyTuple(),
        }
        #[derive(serde::Serialize)]
        struct Row {
            first_field: Vec<Shape>,
            none: Option<u8>,
            letter: char,
            half: f32,
            not_a_number: f64,
            #[serde(with = "serde_bytes_like")]
            bytes: Vec<u8>,
            by_number: std::collections::BTreeMap<u16, &'static str>,
            by_variant: std::collections::BTreeMap<Key, bool>,
            nested: Vec<Vec<std::collections::BTreeMap<String, u8>>>,
        }
        #[derive(serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
        enum Key {
            LowKey,
        }
        mod serde_bytes_like {
            pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(bytes)
            }
        }
        let row = Row {
            first_field: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(1, "two words".into()),
                Shape::Fields { snake_case: None, other: () },
                Shape::EmptyTuple(),
            ],
            none: None,
            letter: 'y',
            half: 0.1,
            not_a_number: f64::NAN,
            bytes: vec![0, 255],
            by_number: [(3, "x"), (10, "")].into_iter().collect(),
            by_variant: [(Key::LowKey, true)].into_iter().collect(),
            nested: vec![vec![], vec![Default::default(), [("k".to_string(), 1)].into_iter().collect()]],
        };
        let value = serde_json::to_value(&row).unwrap();
        let mut streamed = Vec::new();
        write(&row, &mut streamed, Keys::AsTheyAre).unwrap();
        assert_eq!(String::from_utf8(streamed).unwrap(), reference(&value));
        fn camel_keys(value: Value) -> Value {
            match value {
                Value::Object(map) => Value::Object(
                    map.into_iter().map(|(k, v)| (crate::render::json::camel(&k), camel_keys(v))).collect(),
                ),
                Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
                other => other,
            }
        }
        let mut camel = Vec::new();
        write(&row, &mut camel, Keys::Camel).unwrap();
        let camel = String::from_utf8(camel).unwrap();
        assert_eq!(camel, reference(&camel_keys(value)));
        assert!(camel.starts_with("firstField:\n- Unit\n- Newtype: 7\n"), "{camel}");
    }

    /// `stsim run -o yaml`, written as the report is serialized, is the
    /// emitter of old over the report's `Value` document, for scenarios
    /// with every section of the report.
    #[test]
    fn the_streamed_report_is_the_value_report() {
        for name in ["rolling-update", "etcd-quorum-lost", "storage-class-mistakes", "node-failures-week"] {
            let path = format!("{}/../../scenarios/{name}.ron", env!("CARGO_MANIFEST_DIR"));
            let config =
                stsim_scenario::parse_scenario(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
            let (_, report) = stsim_core::run(config);
            let mut streamed = Vec::new();
            write(&crate::render::json::Document::of(&report), &mut streamed, Keys::Camel).unwrap();
            let streamed = String::from_utf8(streamed).unwrap();
            assert_eq!(streamed, reference(&crate::render::json::document(&report)), "{name}");
            assert!(streamed.starts_with("apiVersion: stsim.io/v1alpha1\nkind: Report\n"), "{name}");
        }
    }

    /// A write that fails is reported, not dropped.
    #[test]
    fn write_errors_are_returned() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "no space"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let error = write(&serde_json::json!({"a": [1]}), &mut Full, Keys::AsTheyAre).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::StorageFull);
    }
}
