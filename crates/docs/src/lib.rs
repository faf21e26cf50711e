//! Spreadsheets in and out: CSV and XLSX tables with named columns.
//!
//! Reading gives rows keyed by column name with their line number in the
//! file, so every error can name its line and field. Column headers are
//! matched by code (`registration_number`) or by Vietnamese label ("Mã số
//! thuế"), accents and case ignored, so officials can keep their own sheets.

use ocop_domain::text::{clean, fold_vi};
use std::collections::HashMap;

pub mod columns;
pub mod import;
pub mod map;
pub mod pdf;
pub mod qr;
pub mod report;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// Guess from a file name.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".xlsx") {
            Some(Format::Xlsx)
        } else {
            None
        }
    }

    /// Recognise the content itself (XLSX is a ZIP archive).
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// One data row: its line number in the file (header is line 1) and its cells by column code.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub cells: HashMap<String, String>,
}

impl Row {
    pub fn get(&self, column: &str) -> String {
        self.cells.get(column).cloned().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("Tệp không đọc được: {0}")]
    Unreadable(String),
    #[error("Tệp trống: không có dòng tiêu đề.")]
    Empty,
    #[error("Thiếu cột bắt buộc: {0}.")]
    MissingColumns(String),
    #[error("Cột không nhận ra ở dòng tiêu đề: {0}.")]
    UnknownColumns(String),
}

/// A column a table may carry.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub code: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub help: &'static str,
}

fn match_header(header: &str, columns: &[Column]) -> Option<&'static str> {
    let h = fold_vi(&clean(header))
        .replace(['*', ':'], "")
        .trim()
        .to_string();
    columns
        .iter()
        .find(|c| h == c.code || h == fold_vi(c.label))
        .map(|c| c.code)
}

/// `grid` holds (line number, cells) pairs, the header first.
fn build_rows(grid: Vec<(usize, Vec<String>)>, columns: &[Column]) -> Result<Vec<Row>, TableError> {
    let mut lines = grid.into_iter();
    let (_, header) = lines.next().ok_or(TableError::Empty)?;
    let mut codes = Vec::new();
    let mut unknown = Vec::new();
    for h in &header {
        if h.trim().is_empty() {
            codes.push(None);
            continue;
        }
        match match_header(h, columns) {
            Some(c) => codes.push(Some(c)),
            None => {
                unknown.push(format!("\"{}\"", h.trim()));
                codes.push(None);
            }
        }
    }
    if !unknown.is_empty() {
        return Err(TableError::UnknownColumns(unknown.join(", ")));
    }
    let missing: Vec<&str> = columns
        .iter()
        .filter(|c| c.required && !codes.contains(&Some(c.code)))
        .map(|c| c.label)
        .collect();
    if !missing.is_empty() {
        return Err(TableError::MissingColumns(missing.join(", ")));
    }
    let mut rows = Vec::new();
    for (line, cells) in lines {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut map = HashMap::new();
        for (code, value) in codes.iter().zip(cells) {
            if let Some(code) = code {
                map.insert(code.to_string(), value);
            }
        }
        rows.push(Row { line, cells: map });
    }
    Ok(rows)
}

/// Read a CSV (UTF-8, with or without BOM; comma or semicolon separated).
pub fn read_csv(bytes: &[u8], columns: &[Column]) -> Result<Vec<Row>, TableError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        TableError::Unreadable(format!(
            "tệp CSV không phải UTF-8 (lỗi ở byte {}); hãy lưu lại với mã hoá UTF-8",
            e.valid_up_to()
        ))
    })?;
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    // Line numbers are counted incrementally from byte offsets: the csv
    // crate's own line count skips blank lines, and its offset points at the
    // blank lines before a record, so step over those first.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| TableError::Unreadable(format!("dòng {}: {e}", i + 1)))?;
        if let Some(p) = rec.position() {
            let mut at = (p.byte() as usize).max(counted_to);
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            line += bytes[counted_to..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted_to = at;
        }
        grid.push((line, rec.iter().map(|s| s.to_string()).collect()));
    }
    build_rows(grid, columns)
}

/// Read the first worksheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8], columns: &[Column]) -> Result<Vec<Row>, TableError> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| TableError::Unreadable(format!("không mở được tệp Excel: {e}")))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or(TableError::Empty)?
        .map_err(|e| TableError::Unreadable(e.to_string()))?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let grid: Vec<(usize, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let cells = r
                .iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                    Data::DateTime(d) => d
                        .as_datetime()
                        .map(|dt| dt.format("%d/%m/%Y").to_string())
                        .unwrap_or_else(|| d.to_string()),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    Data::Error(e) => format!("#{e:?}"),
                })
                .collect();
            (first_row + i + 1, cells)
        })
        .collect();
    build_rows(grid, columns)
}

pub fn read(bytes: &[u8], format: Format, columns: &[Column]) -> Result<Vec<Row>, TableError> {
    match format {
        Format::Csv => read_csv(bytes, columns),
        Format::Xlsx => read_xlsx(bytes, columns),
    }
}

/// Write a CSV with a header of column codes (UTF-8 with BOM so Excel shows Vietnamese correctly).
pub fn write_csv(columns: &[Column], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let _ = w.write_record(columns.iter().map(|c| c.code));
        for r in rows {
            let _ = w.write_record(r);
        }
        let _ = w.flush();
    }
    out
}

/// Write an XLSX with a bold header of Vietnamese labels (importable as is).
pub fn write_xlsx(
    sheet_name: &str,
    columns: &[Column],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet_name).map_err(|e| e.to_string())?;
    let bold = XFormat::new().set_bold();
    for (j, c) in columns.iter().enumerate() {
        ws.write_string_with_format(0, j as u16, c.label, &bold)
            .map_err(|e| e.to_string())?;
        ws.set_column_width(j as u16, (c.label.chars().count().max(12) + 2) as f64)
            .map_err(|e| e.to_string())?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            ws.write_string((i + 1) as u32, j as u16, v)
                .map_err(|e| e.to_string())?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(|e| e.to_string())?;
    wb.save_to_buffer().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::PRODUCER_COLUMNS;

    #[test]
    fn csv_by_label_or_code_with_line_numbers() {
        let text = "Tên chủ thể;kind;Mã số thuế / số đăng ký;address;commune_code;representative_name;representative_gender\n\
                    HTX A;htx;0100109106;Thôn 1;00004;Lan;Nữ\n\n\
                    HTX B;htx;0300588569;Thôn 2;00004;Hùng;Nam\n";
        let rows = read_csv(text.as_bytes(), PRODUCER_COLUMNS).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].get("registration_number"), "0300588569");
    }

    #[test]
    fn unknown_and_missing_columns_are_named() {
        let err = read_csv(b"name,bogus\nx,y\n", PRODUCER_COLUMNS).unwrap_err();
        assert_eq!(err, TableError::UnknownColumns("\"bogus\"".into()));
        let err = read_csv(b"name\nx\n", PRODUCER_COLUMNS).unwrap_err();
        assert!(matches!(err, TableError::MissingColumns(m) if m.contains("Loại hình")));
    }

    /// A workbook the fuzzer made, whose cell references overflow calamine's
    /// arithmetic: it must be an answer (here a refusal), never a panic.
    #[test]
    fn hostile_cell_references_are_refused_not_a_panic() {
        let bytes =
            include_bytes!("../../../fuzz/seeds/import_xlsx/overflowing-cell-reference.xlsx");
        assert!(read_xlsx(bytes, PRODUCER_COLUMNS).is_err());
    }

    #[test]
    fn xlsx_round_trip() {
        let rows = vec![vec![
            "HTX Vạn Phần".to_string(),
            "cooperative".to_string(),
            "0100109106".to_string(),
        ]];
        let cols = &PRODUCER_COLUMNS[..3];
        let bytes = write_xlsx("Chủ thể", cols, &rows).unwrap();
        assert_eq!(Format::sniff(&bytes), Format::Xlsx);
        let back = read_xlsx(&bytes, PRODUCER_COLUMNS);
        // Only 3 of the required columns: reading reports the missing ones.
        assert!(matches!(back, Err(TableError::MissingColumns(_))));
        let all: Vec<String> = PRODUCER_COLUMNS.iter().map(|_| "x".to_string()).collect();
        let bytes = write_xlsx("Chủ thể", PRODUCER_COLUMNS, &[all]).unwrap();
        let back = read_xlsx(&bytes, PRODUCER_COLUMNS).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].line, 2);
        assert_eq!(back[0].get("name"), "x");
    }

    #[test]
    fn non_utf8_csv_is_explained() {
        let err = read_csv(b"name\n\xff\n", PRODUCER_COLUMNS).unwrap_err();
        assert!(matches!(err, TableError::Unreadable(m) if m.contains("UTF-8")));
    }
}
