//! Shapefile reader errors in words (the crates' own messages fall back to
//! Rust debug dumps such as `DbaseError(Error { kind: IoError(...`).

use shapefile::dbase;

/// A Shapefile error as a sentence a user can act on.
pub fn describe(e: &shapefile::Error) -> String {
    use shapefile::Error as E;
    match e {
        E::IoError(io) => io_words(io, "the .shp or .shx"),
        E::InvalidFileCode(code) => format!("the .shp does not start with the Shapefile file code (found {code}); it is not a Shapefile or it is damaged"),
        E::InvalidShapeType(code) => format!("shape type code {code} is not one the Shapefile specification defines; the file is damaged"),
        E::InvalidPatchType(code) => format!("multipatch type code {code} is not valid; the file is damaged"),
        E::MismatchShapeType { requested, actual } => format!("a shape is {actual} where {requested} was expected"),
        E::InvalidShapeRecordSize => "a shape record's declared size does not match its contents; the .shp is damaged".into(),
        E::AllocationLimitExceeded { requested_bytes } => format!("a shape declares {requested_bytes} bytes of points, more than can be read; the .shp is damaged"),
        E::OrphanedInnerRing => "a polygon has a hole (inner ring) before any outer ring".into(),
        E::UnsupportedConversion => "the shape cannot be converted to a polygon".into(),
        E::DbaseError(d) => describe_dbase(d),
        E::MissingDbf => "there is no .dbf (attribute table) beside the .shp; copy all of its files (.shp, .shx, .dbf, .prj)".into(),
        E::MissingIndexFile => "there is no .shx (shape index) beside the .shp; copy all of its files (.shp, .shx, .dbf, .prj)".into(),
        #[allow(unreachable_patterns)]
        _ => "the Shapefile cannot be read; re-export it".into(),
    }
}

/// A .dbf (attribute table) error in words.
pub fn describe_dbase(e: &dbase::Error) -> String {
    let at = match e.record_index() {
        Some(i) => format!("the .dbf record {}", i.0),
        None => "the .dbf".into(),
    };
    let what = match e.kind() {
        dbase::ErrorKind::IoError(io) => return io_words(io, &at),
        dbase::ErrorKind::UnsupportedCodePage(code) => format!("uses code page {code:?}, which is not supported"),
        other => format!("cannot be read: {other}"),
    };
    format!("{at} {what}")
}

fn io_words(io: &std::io::Error, what: &str) -> String {
    if io.kind() == std::io::ErrorKind::UnexpectedEof {
        format!("{what} ends early (the file is truncated); copy or export it again")
    } else {
        format!("{what} cannot be read: {io}")
    }
}
