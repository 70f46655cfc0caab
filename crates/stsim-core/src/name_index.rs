//! A by-name index of live objects: found by name in constant time, listed
//! in name order.
//!
//! Owns the two views of one index: a hash map that lookups use (one hash
//! of the name, one comparison) and a sorted map that iteration uses, so
//! nothing observable ever depends on hash order. The hash map is never
//! iterated.
//!
//! Does not know what the objects are: `world` keeps one per kind.
//!
//! Names are kept as `CompactString`s, whose bytes sit in the key itself up
//! to 24 of them (`web-0`, `data-web-0`): comparing a looked-up name with a
//! stored one then reads no other allocation, which in a world of tens of
//! thousands of objects would be a cache miss per comparison.

use compact_str::CompactString;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct NameIndex<I: Copy> {
    lookup: FxHashMap<CompactString, I>,
    ordered: BTreeMap<CompactString, I>,
}

impl<I: Copy + PartialEq + std::fmt::Debug> NameIndex<I> {
    pub fn new() -> Self {
        NameIndex { lookup: FxHashMap::default(), ordered: BTreeMap::new() }
    }

    pub fn get(&self, name: &str) -> Option<I> {
        self.lookup.get(name).copied()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.lookup.contains_key(name)
    }

    /// Indexes `id` under `name`; returns what the name held before.
    pub fn insert(&mut self, name: &str, id: I) -> Option<I> {
        let previous = self.lookup.insert(CompactString::new(name), id);
        let ordered = self.ordered.insert(CompactString::new(name), id);
        debug_assert_eq!(previous, ordered, "the two views of a name index disagree");
        previous
    }

    /// Takes `name` out; returns what it held.
    pub fn remove(&mut self, name: &str) -> Option<I> {
        let removed = self.lookup.remove(name);
        let ordered = self.ordered.remove(name);
        debug_assert_eq!(removed, ordered, "the two views of a name index disagree");
        removed
    }

    /// The ids, in name order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = I> + '_ {
        self.ordered.values().copied()
    }

    pub fn len(&self) -> usize {
        self.lookup.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lookup.is_empty()
    }
}

impl<I: Copy + PartialEq + std::fmt::Debug> Default for NameIndex<I> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_name_and_lists_in_name_order() {
        let mut index = NameIndex::new();
        for (name, id) in [("web-10", 3), ("web-2", 1), ("db-0", 2)] {
            assert_eq!(index.insert(name, id), None);
        }
        assert_eq!(index.get("web-2"), Some(1));
        assert_eq!(index.get("web-3"), None);
        assert_eq!(index.values().collect::<Vec<_>>(), vec![2, 3, 1], "db-0, web-10, web-2");
        assert_eq!(index.insert("web-2", 7), Some(1), "a name holds one id");
        assert_eq!(index.remove("db-0"), Some(2));
        assert_eq!(index.remove("db-0"), None);
        assert_eq!(index.values().collect::<Vec<_>>(), vec![3, 7]);
        assert_eq!(index.len(), 2);
    }
}
