//! The facet table saved beside the text index when the server stops, so
//! that the next start reads a file instead of the whole catalog from the
//! database (at 200,000 products that query is most of a start-up).
//!
//! A snapshot is used at most once: the start that finds it removes it,
//! whether it is used or not. So a snapshot only ever describes the moment
//! of a clean stop; after a crash there is none and the table is built from
//! the database as before. It is taken only when it matches both the text
//! index (same outbox position, same number of products) and the database
//! (the outbox row at that position has the same time): a snapshot of
//! another database, or of a restored backup that went another way, is
//! ignored. Writes made after the stop (a command-line import) are applied
//! from the outbox like any others.
//!
//! The file: a magic line, the outbox position and that row's time, the
//! table (`Table::encode`), and the SHA-256 of everything before it. Any
//! fault in it (truncated, altered, another version) means no snapshot.

use crate::table::Table;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const MAGIC: &[u8] = b"OCOP facet table v1\n";
const FILE: &str = "facet-table.bin";

/// A table with the outbox position it reflects.
pub(crate) struct Snapshot {
    pub table: Table,
    /// The last outbox row applied to the table.
    pub applied: i64,
    /// That row's `at`, as the database stores it ("" for position 0).
    pub applied_at: String,
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Write the snapshot in `dir`, atomically: a stop interrupted while
/// writing leaves no file, or the previous one (which `take` then rejects
/// or removes).
pub(crate) fn save(
    dir: &Path,
    table: &Table,
    applied: i64,
    applied_at: &str,
) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(64 + table.len() * 48);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&applied.to_le_bytes());
    put_bytes(&mut out, applied_at.as_bytes());
    table.encode(&mut out);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    let tmp = dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, &out)?;
    std::fs::rename(&tmp, path(dir))
}

/// Take the snapshot out of `dir`: read it and remove the file. `None` when
/// there is none or it cannot be read whole.
pub(crate) fn take(dir: &Path) -> Option<Snapshot> {
    let file = path(dir);
    let bytes = std::fs::read(&file).ok()?;
    if let Err(e) = std::fs::remove_file(&file) {
        // Left in place, it would be offered again after the next crash:
        // refuse it rather than risk a stale table.
        tracing::warn!(error = %e, "facet table snapshot could not be removed; ignored");
        return None;
    }
    let snapshot = decode(&bytes);
    if snapshot.is_none() {
        tracing::warn!("facet table snapshot unreadable; the table is rebuilt");
    }
    snapshot
}

/// Remove any snapshot in `dir` (the text index was rebuilt without it).
pub(crate) fn discard(dir: &Path) {
    let _ = std::fs::remove_file(path(dir));
}

fn decode(bytes: &[u8]) -> Option<Snapshot> {
    let (body, digest) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if Sha256::digest(body).as_slice() != digest {
        return None;
    }
    let mut r = Reader::new(body.strip_prefix(MAGIC)?);
    let applied = r.i64()?;
    let applied_at = String::from_utf8(r.bytes()?.to_vec()).ok()?;
    let table = Table::decode(&mut r)?;
    r.is_empty().then_some(Snapshot {
        table,
        applied,
        applied_at,
    })
}

pub(crate) fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Bytes preceded by their length.
pub(crate) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

/// Reads what `put_*` wrote; every read is bounds-checked.
pub(crate) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader(bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub fn i32(&mut self) -> Option<i32> {
        Some(i32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_file_is_no_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let table = crate::table::tests::sample();
        save(dir.path(), &table, 42, "2026-11-22T10:00:00.000001Z").unwrap();
        let good = std::fs::read(path(dir.path())).unwrap();

        let s = take(dir.path()).expect("a whole snapshot is read");
        assert_eq!(
            (s.applied, s.applied_at.as_str()),
            (42, "2026-11-22T10:00:00.000001Z")
        );
        assert_eq!(s.table.ids(), table.ids());
        assert!(!path(dir.path()).exists(), "taken once");
        assert!(take(dir.path()).is_none());

        // Truncated anywhere, one byte changed anywhere: rejected, and removed.
        for cut in [0, 1, MAGIC.len() + 3, good.len() / 2, good.len() - 1] {
            std::fs::write(path(dir.path()), &good[..cut]).unwrap();
            assert!(take(dir.path()).is_none(), "cut at {cut}");
            assert!(!path(dir.path()).exists());
        }
        for at in (0..good.len()).step_by(97) {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            std::fs::write(path(dir.path()), &bad).unwrap();
            assert!(take(dir.path()).is_none(), "byte {at} altered");
        }
    }
}
