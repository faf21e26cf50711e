//! The text index (tantivy): product, producer and place names, each twice:
//! as written (lowercased, accents kept) and folded (`fold_vi`: no accents,
//! đ → d). A query word matches either form; matching the written form
//! scores higher, so "chè" ranks "Chè …" above "Chẻ …" while "che" finds
//! both. The word being typed also matches as a prefix, and a word that
//! matches nothing at all is retried with one typo allowed.

use crate::SearchError;
use ocop_domain::text::{clean, fold_vi};
use ocop_store::catalog::{CatalogEntry, CatalogText};
use std::path::Path;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
};
use tantivy::tokenizer::TokenStream;
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};

/// Shortest folded word that is retried with a typo: below this, one edit
/// turns a word into too many others to be useful.
const MIN_FUZZY_LEN: usize = 4;

/// Indexing threads: a rebuild of 200,000 products uses both cores.
const WRITER_THREADS: usize = 2;
/// Memory the writer may use (shared by its threads) before it flushes a
/// segment; tantivy wants at least 15 MB per thread.
const WRITER_BUDGET: usize = 64_000_000;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    name: Field,
    name_fold: Field,
    other: Field,
    other_fold: Field,
    /// Shown in suggestions, stored only.
    shown_name: Field,
    shown_code: Field,
    shown_place: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Positions are not needed (no phrase queries); frequencies feed BM25.
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | FAST | STORED),
        name: b.add_text_field("name", text.clone()),
        name_fold: b.add_text_field("name_fold", text.clone()),
        other: b.add_text_field("other", text.clone()),
        other_fold: b.add_text_field("other_fold", text),
        shown_name: b.add_text_field("shown_name", STORED),
        shown_code: b.add_text_field("shown_code", STORED),
        shown_place: b.add_text_field("shown_place", STORED),
    };
    (b.build(), fields)
}

/// The reading side: cheap to clone, and searches never wait for the writer.
#[derive(Clone)]
pub struct TextReader {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

/// The writing side, with its reader (reloaded at every commit).
pub struct TextIndex {
    pub reader: TextReader,
    writer: IndexWriter,
}

/// What a product's document is made of.
pub struct Indexed<'a> {
    id: i64,
    name: &'a str,
    code: &'a str,
    producer: &'a str,
    commune: &'a str,
    province: &'a str,
}

impl<'a> From<&'a CatalogText> for Indexed<'a> {
    fn from(e: &'a CatalogText) -> Self {
        Indexed {
            id: e.id,
            name: &e.name,
            code: &e.code,
            producer: &e.producer_name,
            commune: &e.commune_name,
            province: &e.province_name,
        }
    }
}

/// One suggestion: a product, its code and its province.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Suggestion {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub province: String,
}

impl TextIndex {
    /// Open the index in `dir` (created if missing), or in memory.
    pub fn open(dir: Option<&Path>) -> Result<TextIndex, SearchError> {
        let (schema, fields) = schema();
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| SearchError::Io(dir.into(), e))?;
                let mmap = MmapDirectory::open(dir)?;
                match Index::open_or_create(mmap, schema.clone()) {
                    Ok(index) => index,
                    // An index of another shape (an older version of this
                    // program): it is derived data, so start it afresh.
                    Err(tantivy::TantivyError::SchemaError(_)) => {
                        std::fs::remove_dir_all(dir).map_err(|e| SearchError::Io(dir.into(), e))?;
                        std::fs::create_dir_all(dir).map_err(|e| SearchError::Io(dir.into(), e))?;
                        Index::open_or_create(MmapDirectory::open(dir)?, schema)?
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let writer = index
            .writer_with_num_threads(WRITER_THREADS, WRITER_BUDGET)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => SearchError::Locked,
                e => e.into(),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(TextIndex {
            reader: TextReader {
                index,
                reader,
                fields,
            },
            writer,
        })
    }

    fn document(&self, e: Indexed) -> TantivyDocument {
        let f = self.reader.fields;
        let other = format!("{} {} {} {}", e.producer, e.commune, e.province, e.code);
        let mut d = TantivyDocument::default();
        d.add_u64(f.id, e.id as u64);
        d.add_text(f.name, e.name);
        d.add_text(f.name_fold, fold_vi(e.name));
        d.add_text(f.other, &other);
        d.add_text(f.other_fold, fold_vi(&other));
        d.add_text(f.shown_name, e.name);
        d.add_text(f.shown_code, e.code);
        d.add_text(f.shown_place, e.province);
        d
    }

    /// Replace the documents of `ids` by `entries` (an id without an entry
    /// is removed), commit with `outbox_id`, and make it visible.
    pub fn apply(
        &mut self,
        ids: &[i64],
        entries: &[CatalogEntry],
        outbox_id: i64,
    ) -> Result<(), SearchError> {
        for id in ids {
            self.writer
                .delete_term(Term::from_field_u64(self.reader.fields.id, *id as u64));
        }
        for e in entries {
            self.add(&e.text)?;
        }
        self.commit(outbox_id)
    }

    /// Drop everything and index `entries`.
    pub fn rebuild(&mut self, entries: &[CatalogEntry], outbox_id: i64) -> Result<(), SearchError> {
        self.clear()?;
        for e in entries {
            self.add(&e.text)?;
        }
        self.commit(outbox_id)
    }

    /// A rebuild in steps, for entries read one by one: `clear`, `add`
    /// each, then `commit`, or `abandon` to keep the index as it was.
    pub fn clear(&mut self) -> Result<(), SearchError> {
        self.writer.delete_all_documents()?;
        Ok(())
    }

    pub fn add<'a>(&mut self, e: impl Into<Indexed<'a>>) -> Result<(), SearchError> {
        self.writer.add_document(self.document(e.into()))?;
        Ok(())
    }

    pub fn abandon(&mut self) -> Result<(), SearchError> {
        self.writer.rollback()?;
        Ok(())
    }

    pub fn commit(&mut self, outbox_id: i64) -> Result<(), SearchError> {
        let mut c = self.writer.prepare_commit()?;
        c.set_payload(&outbox_id.to_string());
        c.commit()?;
        self.reader.reader.reload()?;
        Ok(())
    }
}

impl TextReader {
    /// The outbox id this index has applied, as saved with its last commit.
    pub fn applied_outbox_id(&self) -> Option<i64> {
        self.index
            .load_metas()
            .ok()?
            .payload
            .and_then(|p| p.parse().ok())
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The query for `q`, or `None` when it has no word.
    fn query(&self, q: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        // The last word is being typed unless the text ends in a space.
        let typing = !q.ends_with(char::is_whitespace);
        let q = clean(q);
        // Tokenize as the index does, so the query's words are the index's.
        let mut analyzer = self.index.tokenizers().get("default")?;
        let mut words = Vec::new();
        let mut stream = analyzer.token_stream(&q);
        while stream.advance() {
            words.push(stream.token().text.clone());
        }
        let last = words.len().checked_sub(1)?;
        let mut musts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let folded = fold_vi(word);
            let term = |field, text: &str| Term::from_field_text(field, text);
            let boosted = |field, text: &str, boost| -> (Occur, Box<dyn Query>) {
                let q = TermQuery::new(term(field, text), IndexRecordOption::WithFreqs);
                (Occur::Should, Box::new(BoostQuery::new(Box::new(q), boost)))
            };
            let mut any: Vec<(Occur, Box<dyn Query>)> = vec![
                boosted(f.name, word, 4.0),
                boosted(f.name_fold, &folded, 2.0),
                boosted(f.other, word, 1.5),
                boosted(f.other_fold, &folded, 1.0),
            ];
            let fuzzy = |field, distance, prefix| -> (Occur, Box<dyn Query>) {
                let t = term(field, &folded);
                let q = if prefix {
                    FuzzyTermQuery::new_prefix(t, distance, true)
                } else {
                    FuzzyTermQuery::new(t, distance, true)
                };
                // Below an exact match of the same word.
                (Occur::Should, Box::new(BoostQuery::new(Box::new(q), 0.5)))
            };
            if i == last && typing {
                any.push(fuzzy(f.name_fold, 0, true));
                any.push(fuzzy(f.other_fold, 0, true));
            }
            // A typo only where the word as typed matches nothing: fuzzy
            // matching costs far more than a term lookup.
            let known = [f.name_fold, f.other_fold]
                .iter()
                .any(|fld| searcher.doc_freq(&term(*fld, &folded)).unwrap_or(0) > 0);
            if !known && folded.chars().count() >= MIN_FUZZY_LEN {
                any.push(fuzzy(f.name_fold, 1, false));
                any.push(fuzzy(f.other_fold, 1, false));
            }
            musts.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        Some(Box::new(BooleanQuery::new(musts)))
    }

    /// Every product matching `q`, with its relevance (each id once: a
    /// product has one document).
    pub fn search(&self, q: &str) -> Result<Vec<(i64, f32)>, SearchError> {
        let Some(query) = self.query(q) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        Ok(searcher.search(&query, &AllHits)?)
    }

    /// The `limit` best matches of `q`, labelled for a suggestion list.
    pub fn suggest(&self, q: &str, limit: usize) -> Result<Vec<Suggestion>, SearchError> {
        let Some(query) = self.query(q) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(limit).and_offset(0),
        )?;
        let mut out = Vec::with_capacity(top.len());
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let id = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_u64())
                .unwrap_or_default();
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let f = self.fields;
            out.push(Suggestion {
                id: id as i64,
                name: text(f.shown_name),
                code: text(f.shown_code),
                province: text(f.shown_place),
            });
        }
        Ok(out)
    }
}

/// Collects every hit as (product id, score), read from the `id` fast field.
struct AllHits;

struct SegmentHits {
    ids: Column<u64>,
    hits: Vec<(i64, f32)>,
}

impl Collector for AllHits {
    type Fruit = Vec<(i64, f32)>;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits {
            ids: segment.fast_fields().u64("id")?,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(i64, f32)>>) -> tantivy::Result<Vec<(i64, f32)>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<(i64, f32)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(id) = self.ids.first(doc) {
            self.hits.push((id as i64, score));
        }
    }

    fn harvest(self) -> Vec<(i64, f32)> {
        self.hits
    }
}
