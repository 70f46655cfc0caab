//! `Labels`: a set of `key=value` labels (or a `matchLabels` selector), kept
//! as one sorted vector instead of a B-tree of separately allocated strings.
//!
//! Owns the representation and the map operations the model uses (lookup,
//! insertion, removal, ordered iteration, equality, serialization as a
//! map); it does not know what any label means (`objects::labels` names the
//! well-known ones). It iterates, compares, prints and serializes exactly as
//! the `BTreeMap<String, String>` it replaces: in key order.
//!
//! Why: a pod carries four or five labels, and the controllers read them on
//! every sync (the revision label, the selector's keys). In a B-tree each
//! comparison of a searched key reads another key's bytes from its own
//! allocation; in a world of ten thousand pods those are cache misses. Here
//! a lookup walks the few entries of one allocation and compares a key's
//! bytes only when its length is the searched one's, so it usually reads
//! the bytes of the key it finds and of its value, and nothing else.
//! Above [`LINEAR`] entries a lookup is a binary search instead.

use std::borrow::Borrow;

/// Up to this many entries a lookup scans by length; above, it bisects.
const LINEAR: usize = 16;

/// Labels, sorted by key, each key once.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Labels {
    entries: Vec<(String, String)>,
}

impl Labels {
    pub fn new() -> Labels {
        Labels { entries: Vec::new() }
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of `key`, or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        match self.position(key) {
            Some(at) => Ok(at),
            None if self.entries.len() <= LINEAR => {
                Err(self.entries.partition_point(|(k, _)| k.as_str() < key))
            }
            None => self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key)),
        }
    }

    /// The position of `key`, if it is there: a lookup that misses (a
    /// node without the label asked for, the common case) reads no key's
    /// bytes, where `find` would also bisect for the place it would go.
    fn position(&self, key: &str) -> Option<usize> {
        if self.entries.len() <= LINEAR {
            // Lengths first: they sit in the entries; the bytes of a key
            // are read only when its length matches.
            return self.entries.iter().position(|(k, _)| k.len() == key.len() && k == key);
        }
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()
    }

    pub fn get<Q: Borrow<str> + ?Sized>(&self, key: &Q) -> Option<&String> {
        self.position(key.borrow()).map(|at| &self.entries[at].1)
    }
    pub fn contains_key<Q: Borrow<str> + ?Sized>(&self, key: &Q) -> bool {
        self.position(key.borrow()).is_some()
    }
    /// Sets `key` to `value`, giving back the value it replaced.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }
    pub fn remove<Q: Borrow<str> + ?Sized>(&mut self, key: &Q) -> Option<String> {
        self.position(key.borrow()).map(|at| self.entries.remove(at).1)
    }
    /// Go's `%#v` of the set as a `map[string]string`, as the API
    /// server's field errors print a template's labels
    /// (`map[string]string{"app":"redis"}`; fmt prints a map's keys sorted,
    /// each key and value quoted).
    pub fn go_syntax(&self) -> String {
        let shown: Vec<String> = self.iter().map(|(k, v)| format!("{k:?}:{v:?}")).collect();
        format!("map[string]string{{{}}}", shown.join(", "))
    }

    /// The labels in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { inner: self.entries.iter() }
    }
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }
}

/// The labels in key order, as `(&key, &value)`.
#[derive(Clone)]
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, (String, String)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a String);
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a String, &'a String);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Labels {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Extend<(String, String)> for Labels {
    /// As a map's `extend`: a later pair with a key already there replaces
    /// its value. In bulk (appended, then one stable sort), so a hostile
    /// map of many labels costs `n log n`, not an insertion each.
    fn extend<I: IntoIterator<Item = (String, String)>>(&mut self, pairs: I) {
        let before = self.entries.len();
        self.entries.extend(pairs);
        if self.entries.len() == before {
            return;
        }
        let entries = std::mem::take(&mut self.entries);
        *self = entries.into_iter().collect();
    }
}

impl FromIterator<(String, String)> for Labels {
    /// A later pair with the same key wins, as in a map.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Labels {
        let mut entries: Vec<(String, String)> = pairs.into_iter().collect();
        // Stable: of equal keys, the last stays after the dedup below.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(String, String)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match kept.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => kept.push(entry),
            }
        }
        Labels { entries: kept }
    }
}

impl From<std::collections::BTreeMap<String, String>> for Labels {
    /// A map's pairs come in key order, each key once: kept as they are.
    fn from(map: std::collections::BTreeMap<String, String>) -> Labels {
        Labels { entries: map.into_iter().collect() }
    }
}

impl<const N: usize> From<[(String, String); N]> for Labels {
    fn from(pairs: [(String, String); N]) -> Labels {
        pairs.into_iter().collect()
    }
}

impl std::ops::Index<&str> for Labels {
    type Output = String;
    /// The value of `key`; panics if there is none, as a map's index does.
    fn index(&self, key: &str) -> &String {
        self.get(key).expect("no label with this key")
    }
}

impl std::fmt::Debug for Labels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Labels {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn pairs(n: usize, seed: u64) -> Vec<(String, String)> {
        // Keys of a few lengths, repeated, in no order.
        (0..n)
            .map(|i| {
                let k = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add((i as u64).wrapping_mul(1442695040888963407))
                    >> 59;
                (format!("key-{}{}", "x".repeat((k % 4) as usize), k), format!("v{i}"))
            })
            .collect()
    }

    #[test]
    fn behaves_as_the_ordered_map_it_replaces() {
        for n in [0, 1, 3, 5, 16, 17, 40] {
            for seed in 0..20 {
                let input = pairs(n, seed);
                let map: BTreeMap<String, String> = input.iter().cloned().collect();
                let mut labels: Labels = input.iter().cloned().collect();
                let as_map = |l: &Labels| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
                assert_eq!(as_map(&labels), map.clone().into_iter().collect::<Vec<_>>(), "n {n} seed {seed}");
                assert_eq!(labels.len(), map.len());
                for (k, v) in &map {
                    assert_eq!(labels.get(k), Some(v));
                    assert!(labels.contains_key(k.as_str()));
                }
                assert_eq!(labels.get("key-absent"), None);
                // Insert, replace and remove keep the order and answers of a map.
                let mut map = map;
                for (i, (k, _)) in input.iter().enumerate().step_by(2) {
                    assert_eq!(
                        labels.insert(k.clone(), format!("w{i}")),
                        map.insert(k.clone(), format!("w{i}"))
                    );
                }
                assert_eq!(labels.insert("a-new".into(), "1".into()), map.insert("a-new".into(), "1".into()));
                for (k, _) in input.iter().skip(1).step_by(3) {
                    assert_eq!(labels.remove(k.as_str()), map.remove(k));
                }
                assert_eq!(as_map(&labels), map.into_iter().collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn extends_as_a_map_does_and_in_bulk() {
        let mut labels: Labels =
            [("b".to_string(), "1".to_string()), ("d".to_string(), "1".to_string())].into();
        let mut map: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let more =
            [("d", "2"), ("a", "2"), ("c", "2"), ("a", "3")].map(|(k, v)| (k.to_string(), v.to_string()));
        labels.extend(more.clone());
        map.extend(more);
        assert_eq!(labels.iter().collect::<Vec<_>>(), map.iter().collect::<Vec<_>>());
        // A hostile map of many labels, in no order, costs n log n: one by
        // one into a sorted vector it would move quadratically many.
        let many: Vec<(String, String)> = (0..200_000u64)
            .map(|i| (format!("k{}", i.wrapping_mul(2654435761) % 1_000_003), i.to_string()))
            .collect();
        let mut big = Labels::new();
        big.extend(many.clone());
        let map: BTreeMap<String, String> = many.into_iter().collect();
        assert_eq!(big.len(), map.len());
        assert!(big.iter().zip(&map).all(|(a, b)| a == b));
    }

    #[test]
    fn serializes_and_prints_as_a_map() {
        let labels: Labels = [("b".to_string(), "2".to_string()), ("a".to_string(), "1".to_string())].into();
        assert_eq!(format!("{labels:?}"), r#"{"a": "1", "b": "2"}"#);
        let map: BTreeMap<&str, &str> = [("a", "1"), ("b", "2")].into();
        assert_eq!(serde_json::to_string(&labels).unwrap(), serde_json::to_string(&map).unwrap());
        assert_eq!(serde_json::to_string(&labels).unwrap(), r#"{"a":"1","b":"2"}"#);
    }
}
