//! Reading CSV and XLSX into a [`Sheet`], within bounds.
//!
//! CSV: UTF-8 (with or without BOM) or UTF-16 with BOM; a file whose fields
//! mix UTF-8 and Windows-1252 (an old sheet appended to by a newer program) is
//! read field by field, each field as UTF-8 when it is valid UTF-8 and as
//! Windows-1252 otherwise. The delimiter is the first line's most frequent of
//! `,` `;` and tab.
//!
//! XLSX: the first worksheet. Before calamine opens the file, its zip directory
//! is read and the file refused when its parts would inflate beyond
//! [`MAX_INFLATED_BYTES`] or it has more than [`MAX_PARTS`] parts: a zip bomb
//! costs a directory read. Merged cells take the value of their top-left cell;
//! formulas give the value Excel computed and saved with them.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::cell::Cell;
use crate::plan::{Row, Sheet};

/// Excel's own row limit (header included).
pub const MAX_ROWS: usize = 1_048_576;
pub const MAX_COLUMNS: usize = 512;
/// What the parts of an XLSX file may inflate to, in all.
pub const MAX_INFLATED_BYTES: u64 = 512 * 1024 * 1024;
pub const MAX_PARTS: usize = 10_000;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("the sheet has no header row")]
    NoHeader,
    #[error("the sheet has more than {MAX_ROWS} rows")]
    TooManyRows,
    #[error("the sheet has more than {MAX_COLUMNS} columns")]
    TooManyColumns,
    #[error("the file would inflate to {inflated} bytes, more than the {MAX_INFLATED_BYTES} accepted")]
    TooLarge { inflated: u64 },
    #[error("the file has more than {MAX_PARTS} parts")]
    TooManyParts,
    #[error("not an XLSX workbook: {0}")]
    NotXlsx(String),
    #[error("the CSV cannot be read: {0}")]
    Csv(String),
    #[error("the workbook has no worksheet")]
    NoWorksheet,
}

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format of a file by its first bytes: a zip is XLSX, anything else CSV.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") { Format::Xlsx } else { Format::Csv }
    }
}

/// Reads a sheet of either format.
pub fn read(bytes: &[u8]) -> Result<Sheet, ReadError> {
    match Format::sniff(bytes) {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

/// The characters Windows-1252 puts at 0x80–0x9F (Latin-1 elsewhere).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘', '’',
    '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

fn windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9f => CP1252_HIGH.get(usize::from(b - 0x80)).copied().unwrap_or('\u{fffd}'),
            _ => char::from(b),
        })
        .collect()
}

fn field_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => windows_1252(bytes),
    }
}

/// UTF-16 with a byte-order mark, as Excel's "Unicode text" writes it.
fn utf16(bytes: &[u8]) -> Option<String> {
    let (big_endian, body) = match bytes {
        [0xff, 0xfe, rest @ ..] => (false, rest),
        [0xfe, 0xff, rest @ ..] => (true, rest),
        _ => return None,
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|p| match p {
            [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
            [a, b] => u16::from_le_bytes([*a, *b]),
            _ => 0,
        })
        .collect();
    Some(String::from_utf16_lossy(&units))
}

fn delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (first.iter().filter(|b| *b == d).count(), *d == b','))
        .unwrap_or(b',')
}

fn csv_sheet(bytes: &[u8]) -> Result<Sheet, ReadError> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter(bytes)).from_reader(bytes);
    let mut records = reader.byte_records();
    let headers: Vec<String> = match records.next() {
        Some(record) => {
            record.map_err(|e| ReadError::Csv(e.to_string()))?.iter().map(|f| field_text(f).trim().to_owned()).collect()
        }
        None => return Err(ReadError::Empty),
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(ReadError::NoHeader);
    }
    if headers.len() > MAX_COLUMNS {
        return Err(ReadError::TooManyColumns);
    }
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let record = record.map_err(|e| ReadError::Csv(e.to_string()))?;
        if i + 1 >= MAX_ROWS {
            return Err(ReadError::TooManyRows);
        }
        if record.len() > MAX_COLUMNS {
            return Err(ReadError::TooManyColumns);
        }
        let cells = record.iter().map(|f| if f.is_empty() { Cell::Empty } else { Cell::Text(field_text(f)) }).collect();
        rows.push(Row { number: i as u64 + 2, cells });
    }
    Ok(Sheet { headers, rows })
}

/// Reads CSV text.
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Empty);
    }
    match utf16(bytes) {
        Some(text) => csv_sheet(text.as_bytes()),
        None => csv_sheet(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)),
    }
}

/// Refuses a zip whose parts would inflate beyond the bounds, from its directory alone.
fn check_zip(bytes: &[u8]) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::NotXlsx(e.to_string()))?;
    if archive.len() > MAX_PARTS {
        return Err(ReadError::TooManyParts);
    }
    let mut inflated: u64 = 0;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|e| ReadError::NotXlsx(e.to_string()))?;
        inflated = inflated.saturating_add(part.size());
        if inflated > MAX_INFLATED_BYTES {
            return Err(ReadError::TooLarge { inflated });
        }
    }
    Ok(())
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => Cell::Date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Reads the first worksheet of an XLSX workbook.
pub fn read_xlsx(bytes: &[u8]) -> Result<Sheet, ReadError> {
    check_zip(bytes)?;
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| ReadError::NotXlsx(e.to_string()))?;
    let range =
        workbook.worksheet_range_at(0).ok_or(ReadError::NoWorksheet)?.map_err(|e| ReadError::NotXlsx(e.to_string()))?;
    let merged = workbook.merge_cells_by_sheet_id(0).map_err(|e| ReadError::NotXlsx(e.to_string()))?;
    let (height, width) = range.get_size();
    if height == 0 {
        return Err(ReadError::Empty);
    }
    if height > MAX_ROWS {
        return Err(ReadError::TooManyRows);
    }
    if width > MAX_COLUMNS {
        return Err(ReadError::TooManyColumns);
    }
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid: Vec<Vec<Cell>> = range.rows().map(|r| r.iter().map(cell_of).collect()).collect();
    for region in merged {
        let origin = range.get_value(region.start).map(cell_of).unwrap_or(Cell::Empty);
        // Only the part of the region inside the cells read: a few bytes of
        // XML can merge all 17 billion cells of a worksheet.
        let (Some((first_row, last_row)), Some((first_col, last_col))) =
            (span(region.start.0, region.end.0, top), span(region.start.1, region.end.1, left))
        else {
            continue;
        };
        for cells in grid.iter_mut().take(last_row + 1).skip(first_row) {
            for cell in cells.iter_mut().take(last_col + 1).skip(first_col) {
                *cell = origin.clone();
            }
        }
    }
    let mut rows = grid.into_iter();
    let headers: Vec<String> = rows.next().unwrap_or_default().iter().map(|c| c.shown().trim().to_owned()).collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(ReadError::NoHeader);
    }
    let first = u64::from(top) + 2;
    let rows = rows.enumerate().map(|(i, cells)| Row { number: first + i as u64, cells }).collect();
    Ok(Sheet { headers, rows })
}

/// The indexes, counted from `origin`, of the rows (or columns) `start` to
/// `end`; `None` when they all lie before `origin`.
fn span(start: u32, end: u32, origin: u32) -> Option<(usize, usize)> {
    let last = end.checked_sub(origin)?;
    let first = start.saturating_sub(origin);
    (first <= last).then_some((first as usize, last as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sheet: &Sheet) -> Vec<Vec<String>> {
        sheet.rows.iter().map(|r| r.cells.iter().map(Cell::shown).collect()).collect()
    }

    #[test]
    fn csv_in_utf8_with_bom_semicolons_and_quoted_newlines() {
        let sheet =
            read_csv("\u{feff}Date;Place\n2026-01-02;\"Nadi\nAirport\"\n2026-01-03;Suva\n".as_bytes()).expect("reads");
        assert_eq!(sheet.headers, ["Date", "Place"]);
        assert_eq!(texts(&sheet), [["2026-01-02", "Nadi\nAirport"], ["2026-01-03", "Suva"]]);
        assert_eq!(sheet.rows[1].number, 3);
    }

    #[test]
    fn csv_with_mixed_encodings_reads_each_field_as_it_was_written() {
        let mut bytes = "Place,Notes\nAsunción,café\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"Mal\xe9,\x93quoted\x94 \x80 50\n");
        let sheet = read_csv(&bytes).expect("reads");
        assert_eq!(texts(&sheet), [["Asunción", "café"], ["Malé", "“quoted” € 50"]]);
    }

    #[test]
    fn csv_in_utf16_as_excel_writes_unicode_text() {
        let mut bytes = vec![0xff, 0xfe];
        for unit in "Date\tPlace\n2026-01-02\tFaleōlo\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let sheet = read(&bytes).expect("reads");
        assert_eq!(sheet.headers, ["Date", "Place"]);
        assert_eq!(texts(&sheet), [["2026-01-02", "Faleōlo"]]);
    }

    fn workbook(
        fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet) -> Result<(), rust_xlsxwriter::XlsxError>,
    ) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        fill(book.add_worksheet()).expect("writes the sheet");
        book.save_to_buffer().expect("saves the workbook")
    }

    #[test]
    fn xlsx_merged_cells_take_their_top_left_value_and_formulas_their_result() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "Date")?.write_string(0, 1, "Persons")?.write_string(0, 2, "Border post")?;
            ws.merge_range(1, 0, 3, 0, "2026-10-01", &rust_xlsxwriter::Format::new())?;
            ws.write_number(1, 1, 2)?.write_number(2, 1, 3)?;
            ws.write_formula(3, 1, rust_xlsxwriter::Formula::new("=B2+B3").set_result("5"))?;
            ws.merge_range(1, 2, 3, 2, "Nadi", &rust_xlsxwriter::Format::new())?;
            Ok(())
        });
        let sheet = read(&bytes).expect("reads");
        assert_eq!(sheet.headers, ["Date", "Persons", "Border post"]);
        assert_eq!(
            texts(&sheet),
            [["2026-10-01", "2", "Nadi"], ["2026-10-01", "3", "Nadi"], ["2026-10-01", "5", "Nadi"]]
        );
        assert_eq!(sheet.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [2, 3, 4]);
    }

    #[test]
    fn xlsx_dates_arrive_as_excel_serials() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "Date")?;
            let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 10, 20)?;
            ws.write_datetime_with_format(1, 0, &date, &rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy"))?;
            Ok(())
        });
        let sheet = read(&bytes).expect("reads");
        assert_eq!(sheet.rows[0].cells, [Cell::Date(46_315.0)]);
    }

    #[test]
    fn an_empty_worksheet_and_rows_beyond_excels_limit_are_refused() {
        assert_eq!(read(&workbook(|_| Ok(()))), Err(ReadError::Empty));
        let mut huge = b"Date\n".to_vec();
        huge.extend(std::iter::repeat_n(b"1\n".as_slice(), MAX_ROWS).flatten());
        assert_eq!(read(&huge), Err(ReadError::TooManyRows));
        let wide = (0..=MAX_COLUMNS).map(|i| format!("c{i}")).collect::<Vec<_>>().join(",");
        assert_eq!(read(wide.as_bytes()), Err(ReadError::TooManyColumns));
    }

    #[test]
    fn a_zip_bomb_is_refused_from_its_directory() {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        writer.start_file("xl/worksheets/sheet1.xml", options).expect("starts");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..=(MAX_INFLATED_BYTES >> 20) {
            writer.write_all(&zeros).expect("writes");
        }
        let bomb = writer.finish().expect("finishes").into_inner();
        assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
        assert!(matches!(read(&bomb), Err(ReadError::TooLarge { .. })));
    }

    /// `bytes` (an XLSX) with the first worksheet's XML passed through `edit`.
    fn edit_worksheet(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("opens");
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).expect("entry");
            let name = file.name().expect("entry name").into_owned();
            let mut content = Vec::new();
            file.read_to_end(&mut content).expect("reads");
            if name == "xl/worksheets/sheet1.xml" {
                content = edit(&String::from_utf8(content).expect("XML")).into_bytes();
            }
            writer.start_file(name, zip::write::SimpleFileOptions::default()).expect("starts");
            writer.write_all(&content).expect("writes");
        }
        writer.finish().expect("finishes").into_inner()
    }

    #[test]
    fn a_merge_of_the_whole_worksheet_costs_only_the_cells_read() {
        let bytes = workbook(|ws| {
            ws.write_string(0, 0, "Date")?.write_string(0, 1, "Persons")?;
            ws.write_string(1, 0, "2026-10-01")?.write_number(1, 1, 2)?;
            Ok(())
        });
        let hostile = edit_worksheet(&bytes, |xml| {
            let merge = r#"<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>"#;
            xml.replacen("</sheetData>", &format!("</sheetData>{merge}"), 1)
        });
        let sheet = read(&hostile).expect("reads");
        assert_eq!(sheet.headers, ["Date", "Persons"]);
        assert_eq!(texts(&sheet), [["2026-10-01", "2026-10-01"]], "the merge fills what was read, no more");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_or_refused_never_a_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let _ = read(&bytes);
        }

        #[test]
        fn a_damaged_workbook_is_read_or_refused_never_a_panic(at in 0usize..4096, byte in proptest::num::u8::ANY) {
            let mut bytes = workbook(|ws| {
                ws.write_string(0, 0, "Date")?.write_number(1, 0, 46_315.0)?;
                Ok(())
            });
            let len = bytes.len();
            bytes[at % len] = byte;
            let _ = read(&bytes);
        }
    }

    #[test]
    fn empty_and_headerless_files_are_refused() {
        assert_eq!(read(b""), Err(ReadError::Empty));
        assert_eq!(read(b" \n\n"), Err(ReadError::Empty));
        assert_eq!(read(b",,\n1,2,3\n"), Err(ReadError::NoHeader));
        assert!(matches!(read(b"PK\x03\x04 not really a zip"), Err(ReadError::NotXlsx(_))));
    }
}
