//! PDF documents (reports, agreements, certificates) from a small document
//! model: a title, headed sections, paragraphs, label–value facts, tables,
//! signature blocks. Layout is ours and pure (`layout`), so it is tested
//! without a PDF reader; krilla writes the PDF, embedding only the glyphs
//! used from Noto Sans (`fonts/`), which covers Vietnamese.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};
use std::collections::HashMap;
use std::sync::OnceLock;

static REGULAR: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");

/// A4 in points, and the margins.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = PAGE_H - MARGIN - 18.0;
const BODY: f32 = 10.5;

/// One block of a document, laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Centred lines above the title (the state's motto, an issuing body).
    Banner(Vec<String>),
    Title(String),
    Heading(String),
    Paragraph(String),
    /// Label–value rows.
    Facts(Vec<(String, String)>),
    Table(Table),
    /// Side-by-side signature blocks: (role, name).
    Signatures(Vec<(String, String)>),
    /// A QR code of `data`, `size` points wide, centred, with a caption under it.
    Qr {
        data: String,
        size: f32,
        caption: String,
    },
    /// A centred line in large bold type (a product's name on a certificate).
    Emphasis(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub headers: Vec<String>,
    /// Relative column widths (any scale); equal when empty.
    pub widths: Vec<f32>,
    /// Columns aligned right (numbers).
    pub right: Vec<usize>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PdfDocument {
    /// The PDF's metadata title.
    pub title: String,
    /// Printed at the foot of every page, with the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
}

/// A positioned piece of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// A light fill behind a table header.
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A black rectangle (QR code modules).
    Dark {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

struct Metrics {
    upem: f32,
    advances: HashMap<char, f32>,
    fallback: f32,
}

impl Metrics {
    fn load(data: &'static [u8]) -> Metrics {
        let font = FontRef::new(data).expect("bundled font parses (tested)");
        let charmap = font.charmap();
        let glyphs = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let upem = font
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em as f32;
        let mut advances = HashMap::new();
        for (cp, gid) in charmap.mappings() {
            if let (Some(c), Some(a)) = (char::from_u32(cp), glyphs.advance_width(gid)) {
                advances.insert(c, a);
            }
        }
        let fallback = advances.get(&'n').copied().unwrap_or(upem / 2.0);
        Metrics {
            upem,
            advances,
            fallback,
        }
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advances.get(&c).copied().unwrap_or(self.fallback))
            .sum::<f32>()
            * size
            / self.upem
    }
}

fn metrics(bold: bool) -> &'static Metrics {
    static R: OnceLock<Metrics> = OnceLock::new();
    static B: OnceLock<Metrics> = OnceLock::new();
    if bold {
        B.get_or_init(|| Metrics::load(BOLD))
    } else {
        R.get_or_init(|| Metrics::load(REGULAR))
    }
}

/// The width of `text` in points.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    metrics(bold).width(text, size)
}

/// Break `text` into lines no wider than `width`, at spaces; a word longer
/// than a line is cut.
pub fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line is cut into pieces that fit.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if text_width(&piece, size, bold) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Layout {
    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    /// Room for `h` points on this page, or a new page.
    fn need(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y + size;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            text: text.to_string(),
        });
    }

    fn centred(&mut self, size: f32, bold: bool, text: &str) {
        for line in wrap(text, size, bold, PAGE_W - 2.0 * MARGIN) {
            self.need(size * 1.4);
            let x = (PAGE_W - text_width(&line, size, bold)) / 2.0;
            self.text(x, size, bold, &line);
            self.y += size * 1.4;
        }
    }

    fn lines(&mut self, x: f32, width: f32, size: f32, bold: bool, text: &str) {
        for line in wrap(text, size, bold, width) {
            self.need(size * 1.45);
            self.text(x, size, bold, &line);
            self.y += size * 1.45;
        }
    }

    fn table(&mut self, t: &Table) {
        let n = t
            .headers
            .len()
            .max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
        if n == 0 {
            return;
        }
        let full = PAGE_W - 2.0 * MARGIN;
        let weights: Vec<f32> = if t.widths.len() == n {
            t.widths.clone()
        } else {
            vec![1.0; n]
        };
        let total: f32 = weights.iter().sum();
        let grid = Grid {
            widths: weights.iter().map(|w| full * w / total).collect(),
            right: t.right.clone(),
        };
        let header = (!t.headers.is_empty()).then(|| grid.measure(&t.headers, true));
        if let Some(h) = &header {
            self.need(h.height);
            grid.draw(self, h);
        }
        for r in &t.rows {
            let row = grid.measure(r, false);
            if self.y + row.height > BOTTOM {
                // A new page, with the header repeated above the row.
                self.new_page();
                if let Some(h) = &header {
                    grid.draw(self, h);
                }
            }
            grid.draw(self, &row);
        }
        self.y += 8.0;
    }
}

/// A table's columns.
struct Grid {
    widths: Vec<f32>,
    right: Vec<usize>,
}

/// A table row, its cells wrapped.
struct Row {
    cells: Vec<Vec<String>>,
    bold: bool,
    height: f32,
}

const CELL_PAD: f32 = 4.0;
const CELL_SIZE: f32 = BODY - 1.0;
const CELL_LINE: f32 = CELL_SIZE * 1.4;

impl Grid {
    fn measure(&self, cells: &[String], bold: bool) -> Row {
        let cells: Vec<Vec<String>> = self
            .widths
            .iter()
            .enumerate()
            .map(|(j, w)| {
                wrap(
                    cells.get(j).map(String::as_str).unwrap_or(""),
                    CELL_SIZE,
                    bold,
                    w - 2.0 * CELL_PAD,
                )
            })
            .collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1) as f32;
        Row {
            cells,
            bold,
            height: lines * CELL_LINE + 2.0 * CELL_PAD,
        }
    }

    fn draw(&self, l: &mut Layout, row: &Row) {
        let top = l.y;
        let full: f32 = self.widths.iter().sum();
        if row.bold {
            l.ops().push(Op::Shade {
                x: MARGIN,
                y: top,
                w: full,
                h: row.height,
            });
        }
        let mut x = MARGIN;
        for (j, lines) in row.cells.iter().enumerate() {
            for (k, line) in lines.iter().enumerate() {
                let lx = if self.right.contains(&j) {
                    x + self.widths[j] - CELL_PAD - text_width(line, CELL_SIZE, row.bold)
                } else {
                    x + CELL_PAD
                };
                l.ops().push(Op::Text {
                    x: lx,
                    y: top + CELL_PAD + CELL_SIZE + k as f32 * CELL_LINE,
                    size: CELL_SIZE,
                    bold: row.bold,
                    text: line.clone(),
                });
            }
            x += self.widths[j];
        }
        l.ops().push(Op::Line {
            x1: MARGIN,
            y1: top + row.height,
            x2: MARGIN + full,
            y2: top + row.height,
        });
        l.y = top + row.height;
    }
}

/// Lay a document out into pages of positioned ops (footer not included).
pub fn layout(doc: &PdfDocument) -> Vec<Vec<Op>> {
    let mut l = Layout {
        pages: vec![Vec::new()],
        y: MARGIN,
    };
    let width = PAGE_W - 2.0 * MARGIN;
    for block in &doc.blocks {
        match block {
            Block::Banner(lines) => {
                for (i, line) in lines.iter().enumerate() {
                    l.centred(BODY, i == 0, line);
                }
                l.y += 10.0;
            }
            Block::Title(t) => {
                l.y += 6.0;
                l.centred(15.0, true, t);
                l.y += 8.0;
            }
            Block::Heading(h) => {
                l.y += 6.0;
                l.need(BODY * 4.0);
                l.lines(MARGIN, width, BODY + 1.5, true, h);
                l.y += 2.0;
            }
            Block::Paragraph(p) => {
                l.lines(MARGIN, width, BODY, false, p);
                l.y += 4.0;
            }
            Block::Facts(rows) => {
                let label_w = rows
                    .iter()
                    .map(|(k, _)| text_width(k, BODY, true))
                    .fold(0.0, f32::max)
                    .min(width * 0.4)
                    + 12.0;
                for (k, v) in rows {
                    let ks = wrap(k, BODY, true, label_w - 10.0);
                    let vs = wrap(v, BODY, false, width - label_w);
                    let h = ks.len().max(vs.len()) as f32 * BODY * 1.45;
                    l.need(h);
                    let top = l.y;
                    for (i, s) in ks.iter().enumerate() {
                        l.y = top + i as f32 * BODY * 1.45;
                        l.text(MARGIN, BODY, true, s);
                    }
                    for (i, s) in vs.iter().enumerate() {
                        l.y = top + i as f32 * BODY * 1.45;
                        l.text(MARGIN + label_w, BODY, false, s);
                    }
                    l.y = top + h;
                }
                l.y += 6.0;
            }
            Block::Table(t) => l.table(t),
            Block::Emphasis(t) => {
                l.y += 4.0;
                l.centred(18.0, true, t);
                l.y += 6.0;
            }
            Block::Qr {
                data,
                size,
                caption,
            } => {
                let Ok((n, modules)) = crate::qr::matrix(data) else {
                    continue;
                };
                l.need(size + BODY * 3.0);
                let module = size / n as f32;
                let left = (PAGE_W - size) / 2.0;
                let top = l.y + 4.0;
                // One rectangle per horizontal run of dark modules.
                for row in 0..n {
                    let mut col = 0;
                    while col < n {
                        if !modules[row * n + col] {
                            col += 1;
                            continue;
                        }
                        let start = col;
                        while col < n && modules[row * n + col] {
                            col += 1;
                        }
                        l.ops().push(Op::Dark {
                            x: left + start as f32 * module,
                            y: top + row as f32 * module,
                            w: (col - start) as f32 * module,
                            h: module,
                        });
                    }
                }
                l.y = top + size + 4.0;
                l.centred(BODY - 1.5, false, caption);
                l.y += 4.0;
            }
            Block::Signatures(parties) => {
                let n = parties.len().max(1) as f32;
                let col = width / n;
                l.y += 14.0;
                l.need(BODY * 9.0);
                let top = l.y;
                for (i, (role, name)) in parties.iter().enumerate() {
                    let centre = MARGIN + col * (i as f32 + 0.5);
                    let mut y = top;
                    for (text, bold, gap) in [
                        (role.as_str(), true, BODY * 6.0),
                        (name.as_str(), true, 0.0),
                    ] {
                        for line in wrap(text, BODY, bold, col - 8.0) {
                            let x = centre - text_width(&line, BODY, bold) / 2.0;
                            l.ops().push(Op::Text {
                                x,
                                y: y + BODY,
                                size: BODY,
                                bold,
                                text: line,
                            });
                            y += BODY * 1.45;
                        }
                        y += gap;
                    }
                    l.y = l.y.max(y);
                }
            }
        }
    }
    l.pages
}

/// Render a document as PDF bytes: A4, Noto Sans, page numbers in the footer.
pub fn render(doc: &PdfDocument) -> Result<Vec<u8>, String> {
    let pages = layout(doc);
    let regular = Font::new(REGULAR.into(), 0).ok_or("bundled font")?;
    let bold = Font::new(BOLD.into(), 0).ok_or("bundled font")?;
    let mut pdf = Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("vi".to_string())
            .creator("Hệ thống thông tin OCOP".to_string()),
    );
    let total = pages.len();
    let ink = |c: u8| Fill {
        paint: rgb::Color::new(c, c, c).into(),
        ..Fill::default()
    };
    for (i, ops) in pages.iter().enumerate() {
        let mut page =
            pdf.start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?);
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    text,
                } => {
                    s.set_fill(Some(ink(20)));
                    let font = if *b { bold.clone() } else { regular.clone() };
                    s.draw_text(
                        Point::from_xy(*x, *y),
                        font,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Line { x1, y1, x2, y2 } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(190, 190, 190).into(),
                            width: 0.6,
                            ..Stroke::default()
                        }));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Shade { x, y, w, h } | Op::Dark { x, y, w, h } => {
                    let gray = if matches!(op, Op::Dark { .. }) {
                        0
                    } else {
                        238
                    };
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x, *y);
                    pb.line_to(x + w, *y);
                    pb.line_to(x + w, y + h);
                    pb.line_to(*x, y + h);
                    pb.close();
                    if let Some(path) = pb.finish() {
                        s.set_stroke(None);
                        s.set_fill(Some(ink(gray)));
                        s.draw_path(&path);
                    }
                }
            }
        }
        let foot = format!("{} · Trang {}/{}", doc.footer, i + 1, total);
        s.set_fill(Some(ink(110)));
        s.draw_text(
            Point::from_xy(MARGIN, PAGE_H - MARGIN + 8.0),
            regular.clone(),
            8.0,
            &foot,
            false,
            TextDirection::Auto,
        );
        s.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pages: &[Vec<Op>]) -> Vec<String> {
        pages
            .iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn vietnamese_is_measured_from_the_font() {
        // Every letter of the Vietnamese alphabet has its own advance.
        for c in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐ".chars()
        {
            assert!(metrics(false).advances.contains_key(&c), "{c}");
        }
        assert!(text_width("Nước mắm", 10.0, true) > text_width("Nước mắm", 10.0, false));
    }

    #[test]
    fn lines_wrap_within_the_width() {
        let text =
            "Hội chợ OCOP Quảng Ninh xuân 2026 với 197 gian hàng, 49.000 lượt khách trong 5 ngày";
        let lines = wrap(text, 10.0, false, 150.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(text_width(l, 10.0, false) <= 150.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
        // A word longer than the line is cut, not lost.
        let long = "x".repeat(200);
        assert_eq!(wrap(&long, 10.0, false, 100.0).concat(), long);
    }

    #[test]
    fn a_qr_code_is_drawn_as_its_dark_modules() {
        let url = "https://ocop.example.vn/01/08934563138165";
        let doc = PdfDocument {
            blocks: vec![Block::Qr {
                data: url.into(),
                size: 120.0,
                caption: "Quét để kiểm tra".into(),
            }],
            ..Default::default()
        };
        let pages = layout(&doc);
        let (n, modules) = crate::qr::matrix(url).unwrap();
        let dark_area: f32 = pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Dark { w, h, .. } => Some(w * h),
                _ => None,
            })
            .sum();
        let module = 120.0 / n as f32;
        let expected = modules.iter().filter(|m| **m).count() as f32 * module * module;
        assert!(
            (dark_area - expected).abs() < 0.01,
            "{dark_area} vs {expected}"
        );
        assert!(render(&doc).unwrap().starts_with(b"%PDF-"));
    }

    #[test]
    fn long_tables_break_across_pages_with_their_header() {
        let rows: Vec<Vec<String>> = (1..=120)
            .map(|i| {
                vec![
                    format!("A{i}"),
                    format!("Hợp tác xã số {i}"),
                    format!("{i},5"),
                ]
            })
            .collect();
        let doc = PdfDocument {
            title: "Báo cáo".into(),
            footer: "OCOP".into(),
            blocks: vec![
                Block::Title("BÁO CÁO KẾT QUẢ HỘI CHỢ".into()),
                Block::Table(Table {
                    headers: vec!["Gian hàng".into(), "Chủ thể".into(), "Doanh thu".into()],
                    widths: vec![1.0, 3.0, 1.5],
                    right: vec![2],
                    rows,
                }),
            ],
        };
        let pages = layout(&doc);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let all = texts(&pages);
        // Every row is there once, and the header once per page.
        for i in 1..=120 {
            assert_eq!(
                all.iter().filter(|t| **t == format!("A{i}")).count(),
                1,
                "A{i}"
            );
        }
        assert_eq!(
            all.iter().filter(|t| *t == "Gian hàng").count(),
            pages.len()
        );
        // Nothing is drawn below the bottom margin.
        for op in pages.iter().flatten() {
            if let Op::Text { y, .. } = op {
                assert!(*y <= BOTTOM + 1.0, "{op:?}");
            }
        }
        let bytes = render(&doc).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        // Subset fonts: far smaller than the two embedded font files.
        assert!(bytes.len() < 200_000, "{} bytes", bytes.len());
    }
}
