//! Reports as workbooks: several titled sheets of typed cells, so that a
//! figure stays a number Excel can sum and money keeps its unit.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One cell of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Đồng, written as million đồng with two decimals ("9.557,60").
    MillionVnd(i64),
    /// A whole percent, or blank.
    Percent(Option<i64>),
    /// A number shown with two decimals (a council's average score).
    Decimal(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

/// A sheet: a title line, then a header row and the rows under it.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// At most 31 characters (Excel's limit); longer names are cut.
    pub name: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Write the sheets as one XLSX workbook.
pub fn write_workbook(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    build(sheets).map_err(|e| e.to_string())
}

fn build(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let title = Format::new().set_bold().set_font_size(13);
    let bold = Format::new().set_bold().set_text_wrap();
    let money = Format::new().set_num_format("#,##0.00");
    let percent = Format::new().set_num_format("0\"%\"");
    let decimal = Format::new().set_num_format("0.00");
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(s.name.chars().take(31).collect::<String>())?;
        ws.write_string_with_format(0, 0, &s.title, &title)?;
        for (j, h) in s.headers.iter().enumerate() {
            let j = j as u16;
            ws.write_string_with_format(2, j, h, &bold)?;
            let widest = s
                .rows
                .iter()
                .filter_map(|r| match r.get(j as usize) {
                    Some(Cell::Text(t)) => Some(t.chars().count()),
                    _ => None,
                })
                .chain([h.chars().count().min(30), 10])
                .max()
                .unwrap_or(10);
            ws.set_column_width(j, (widest.min(60) + 2) as f64)?;
        }
        for (i, r) in s.rows.iter().enumerate() {
            let row = (i + 3) as u32;
            for (j, c) in r.iter().enumerate() {
                let col = j as u16;
                match c {
                    Cell::Text(t) => {
                        ws.write_string(row, col, t)?;
                    }
                    Cell::Int(n) => {
                        ws.write_number(row, col, *n as f64)?;
                    }
                    Cell::MillionVnd(v) => {
                        ws.write_number_with_format(row, col, *v as f64 / 1e6, &money)?;
                    }
                    Cell::Percent(Some(p)) => {
                        ws.write_number_with_format(row, col, *p as f64, &percent)?;
                    }
                    Cell::Percent(None) => {}
                    Cell::Decimal(x) => {
                        ws.write_number_with_format(row, col, *x, &decimal)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(3, 0)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn sheets_keep_their_numbers() {
        let bytes = write_workbook(&[Sheet {
            name: "Tổng hợp".into(),
            title: "Hội chợ OCOP Quảng Ninh".into(),
            headers: vec!["Chỉ tiêu".into(), "Kết quả".into()],
            rows: vec![
                vec![
                    "Doanh thu (triệu đồng)".into(),
                    Cell::MillionVnd(9_557_600_000),
                ],
                vec!["Lượt khách".into(), 49_000.into()],
            ],
        }])
        .unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["Tổng hợp".to_string()]);
        let range = wb.worksheet_range("Tổng hợp").unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("Hội chợ OCOP Quảng Ninh".into()))
        );
        assert_eq!(range.get_value((3, 1)), Some(&Data::Float(9557.6)));
        assert_eq!(range.get_value((4, 1)), Some(&Data::Float(49000.0)));
    }
}
