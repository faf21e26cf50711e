//! The audit log's hash chain: each entry's hash covers its content and the
//! previous entry's hash, so editing or deleting any entry breaks every hash
//! after it. Computing and checking the chain is pure; storing it is the store's.

use sha2::{Digest, Sha256};

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an audit entry that the hash covers.
#[derive(Debug, Clone)]
pub struct EntryContent<'a> {
    pub id: i64,
    pub at: &'a str,
    pub actor_id: i64,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

/// `sha256(prev_hash ‖ 0x1f ‖ field ‖ 0x1f ‖ field …)` in hex. The unit
/// separator keeps field boundaries unambiguous.
pub fn entry_hash(prev_hash: &str, e: &EntryContent<'_>) -> String {
    let mut h = Sha256::new();
    let id = e.id.to_string();
    let actor = e.actor_id.to_string();
    for part in [
        prev_hash,
        &id,
        e.at,
        &actor,
        e.actor_name,
        e.action,
        e.entity,
        e.entity_id,
        e.before,
        e.after,
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// A stored entry as read back for verification.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub id: i64,
    pub at: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// An entry's content no longer matches its hash (it was edited).
    Tampered { id: i64 },
    /// An entry's link does not match the previous entry (one was deleted or inserted).
    Broken { id: i64 },
}

impl std::fmt::Display for ChainFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainFault::Tampered { id } => {
                write!(f, "mục nhật ký #{id} đã bị sửa (băm không khớp nội dung)")
            }
            ChainFault::Broken { id } => {
                write!(f, "chuỗi đứt trước mục #{id} (có mục bị xoá hoặc chèn)")
            }
        }
    }
}

/// Check entries in id order; returns every fault found.
pub fn verify_chain(entries: &[StoredEntry]) -> Vec<ChainFault> {
    let mut faults = Vec::new();
    let mut prev = GENESIS.to_string();
    for e in entries {
        if e.prev_hash != prev {
            faults.push(ChainFault::Broken { id: e.id });
        }
        let content = EntryContent {
            id: e.id,
            at: &e.at,
            actor_id: e.actor_id,
            actor_name: &e.actor_name,
            action: &e.action,
            entity: &e.entity,
            entity_id: &e.entity_id,
            before: &e.before,
            after: &e.after,
        };
        if entry_hash(&e.prev_hash, &content) != e.hash {
            faults.push(ChainFault::Tampered { id: e.id });
        }
        prev = e.hash.clone();
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let mut e = StoredEntry {
                    id,
                    at: "2026-11-22T00:00:00Z".into(),
                    actor_id: 1,
                    actor_name: "admin".into(),
                    action: "producer.create".into(),
                    entity: "producer".into(),
                    entity_id: id.to_string(),
                    before: String::new(),
                    after: format!("{{\"n\":{id}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                let c = EntryContent {
                    id: e.id,
                    at: &e.at,
                    actor_id: e.actor_id,
                    actor_name: &e.actor_name,
                    action: &e.action,
                    entity: &e.entity,
                    entity_id: &e.entity_id,
                    before: &e.before,
                    after: &e.after,
                };
                e.hash = entry_hash(&prev, &c);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        assert!(verify_chain(&chain(5)).is_empty());
    }

    #[test]
    fn edit_and_delete_are_detected() {
        let mut c = chain(5);
        c[2].after = "{\"n\":99}".into();
        assert_eq!(verify_chain(&c), vec![ChainFault::Tampered { id: 3 }]);
        let mut d = chain(5);
        d.remove(1);
        assert_eq!(verify_chain(&d), vec![ChainFault::Broken { id: 3 }]);
    }
}
