//! Godwit's printable documents: a [`Report`] (title, marking banner,
//! sections of text, tables and bar charts) typeset to PDF entirely offline.
//!
//! Typst does the typesetting as a library: one fixed template
//! (`report.typ`) is compiled into the binary, the fonts are those
//! typst-assets embeds, and the world it compiles in ([`ReportWorld`]) holds
//! only that template and the report as JSON: no file system, no network,
//! no packages. SECURITY: the template reads the report with `json(..)` and
//! uses every text as a value, so no user text is ever parsed as typst
//! markup or code (no injection). The marking banner is the page header and
//! footer, so it is on every page.

pub mod fuzz_checks;
pub mod markdown;

use std::sync::LazyLock;

use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

pub use markdown::markdown;

/// The template every report is set with.
const TEMPLATE: &str = include_str!("report.typ");

/// A document to print.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub title: String,
    /// Under the title (who wrote it, for whom, which version); may be empty.
    pub subtitle: String,
    /// The marking, printed at the top and bottom of every page:
    /// `RESTRICTED // TLP:AMBER // NOT FOR JUDICIAL USE`.
    pub banner: String,
    /// To whom it may go, printed at the foot of every page: `REL TO FJI, group PIDC`.
    pub releasability: String,
    pub sections: Vec<Section>,
}

/// A section with its heading.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(heading: impl Into<String>) -> Self {
        Section { heading: heading.into(), blocks: Vec::new() }
    }

    /// The section with `block` added.
    #[must_use]
    pub fn with(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }

    /// The section with the blocks of Markdown `text` added.
    #[must_use]
    pub fn with_markdown(mut self, text: &str) -> Self {
        self.blocks.extend(markdown(text));
        self
    }
}

/// A run of text in one style.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Span {
    pub text: String,
    pub strong: bool,
    pub emph: bool,
    pub code: bool,
}

impl Span {
    pub fn plain(text: impl Into<String>) -> Self {
        Span { text: text.into(), ..Span::default() }
    }
}

/// One bar of a bar chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    pub label: String,
    pub value: u64,
}

/// What a section holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        spans: Vec<Span>,
    },
    /// A heading inside a section.
    Heading {
        text: String,
    },
    /// A bulleted list, each entry a run of spans.
    List {
        items: Vec<Vec<Span>>,
    },
    /// A table; use [`Block::table`], which makes every row as wide as the
    /// header and right-aligns the columns of numbers.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        numeric: Vec<bool>,
    },
    /// Horizontal bars, scaled to the largest.
    BarChart {
        title: String,
        bars: Vec<Bar>,
    },
    /// A remark in muted italics.
    Note {
        text: String,
    },
    /// The marking of what follows (a report quoted in the document).
    Marking {
        text: String,
    },
}

impl Block {
    pub fn paragraph(text: impl Into<String>) -> Self {
        Block::Paragraph { spans: vec![Span::plain(text)] }
    }

    pub fn note(text: impl Into<String>) -> Self {
        Block::Note { text: text.into() }
    }

    /// A table of `rows` under `header`: short rows are padded and long ones
    /// cut to the header's width; a column whose every cell is a number is
    /// right-aligned.
    pub fn table(header: Vec<String>, rows: Vec<Vec<String>>) -> Self {
        let width = header.len();
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|mut r| {
                r.resize(width, String::new());
                r
            })
            .collect();
        let numeric =
            (0..width).map(|c| !rows.is_empty() && rows.iter().all(|r| r[c].trim().parse::<f64>().is_ok())).collect();
        Block::Table { header, rows, numeric }
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the report could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// The template failed on this report: a fault of this crate, never of the data.
    #[error("the report could not be typeset: {0}")]
    Typeset(String),
}

/// A report typeset: the PDF, and the text of each page (for checks).
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// The text laid out on each page, header and footer included, in layout order.
    pub pages: Vec<String>,
}

/// Fonts embedded in the binary (typst-assets): Libertinus Serif, New
/// Computer Modern and DejaVu Sans Mono. Loaded once.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> Result<FileId, ReportError> {
    let vpath = VirtualPath::new(path).map_err(|e| ReportError::Typeset(format!("{path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// The only world a report is compiled in: the template and the data.
struct ReportWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    /// No clock: the template prints no date it did not get in the data.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn diagnostics(errors: &[SourceDiagnostic]) -> ReportError {
    ReportError::Typeset(errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))
}

/// The text of a frame and its groups, in layout order.
fn frame_text(frame: &Frame, out: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => frame_text(&group.frame, out),
            FrameItem::Text(text) => {
                out.push_str(&text.text);
                out.push(' ');
            }
            _ => {}
        }
    }
}

/// Typesets `report`. CPU-bound (tens of milliseconds to seconds): call it
/// off the async executor.
pub fn render(report: &Report) -> Result<Rendered, ReportError> {
    let world = ReportWorld {
        main: Source::new(file_id("/report.typ")?, TEMPLATE.to_owned()),
        data_id: file_id("/data.json")?,
        data: Bytes::new(serde_json::to_vec(report)?),
    };
    let compiled = typst::compile::<PagedDocument>(&world).output;
    // Drop memoised results older than a few compilations: a server
    // typesets many different reports.
    comemo::evict(10);
    let document = compiled.map_err(|e| diagnostics(&e))?;
    let pdf = typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|e| diagnostics(&e))?;
    let pages = document
        .pages()
        .iter()
        .map(|p| {
            let mut text = String::new();
            frame_text(&p.frame, &mut text);
            text
        })
        .collect();
    Ok(Rendered { pdf, pages })
}

/// Typesets `report` to PDF.
pub fn pdf(report: &Report) -> Result<Vec<u8>, ReportError> {
    render(report).map(|r| r.pdf)
}

#[cfg(test)]
mod tests;
