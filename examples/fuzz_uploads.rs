//! Bounded mutation fuzzer for the partners' upload parser (`make fuzz`;
//! not part of `make test`).
//!
//! Two phases of `FUZZ_UPLOAD_SECONDS` each (default 60): **CSV**, from the
//! real pack's CSV files (services, schools, a slice of the postcode file,
//! also re-encoded as Windows-1252 and with `;`), and **XLSX**, from
//! workbooks written from the same rows (formulas, several sheets). Each
//! input is mutated (bit flips, deletions, duplications, inserted tokens,
//! truncation; for XLSX also one part's XML mutated and the archive
//! re-zipped, so calamine's XML reader is reached past the ZIP checks),
//! then read by `read_upload` and validated as a submission against the
//! pack's manifest, postcodes and services, in-process with a per-input
//! time limit (`FUZZ_TIMEOUT`, default 10 s). A panic or a run over the
//! limit is a failure: the input is saved under `FUZZ_OUT` and the fuzzer
//! exits non-zero. A refused upload (`UploadError`) is the expected outcome.
//!
//! Environment: `FUZZ_UPLOAD_SECONDS`, `FUZZ_TIMEOUT`, `FUZZ_SEED`,
//! `FUZZ_DATA` (default ../shared/geodata/bradford), `FUZZ_MANIFEST`
//! (default geodata/bradford/dataset.toml), `FUZZ_OUT`.

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use needmap::load::{Diagnostics, Postcodes};
use needmap::register::upload::{read_upload, UploadOptions};
use needmap::register::{seed_services, Checker, DedupeRule, Placer, RegisteredService, Submission};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const TOKENS: &[&str] = &[
    "", ",", ";", "\"", "\"\"", "\n", "\r\n", "\r", "\t", "\u{feff}", "\0", "é", "\u{FFFD}", "NaN", "inf", "-1", "1e308", "99999999999999999999",
    "=A1*2", "#DIV/0!", "BD99 9ZZ", "bd71lg", "family_hub", "gp", "name", "Post Code", "<", ">", "&amp;", "<c r=\"XFD1048576\">", "<v>",
    "</row>", "<row r=\"0\">", "<row r=\"4294967295\">", "t=\"s\"", "<f>", "</sheetData>", "\x89PNG",
];

fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = b.len().max(1);
        match rng.below(6) {
            0 => {
                if !b.is_empty() {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
            1 => {
                let at = rng.below(len).min(b.len());
                let end = (at + 1 + rng.below(64)).min(b.len());
                b.drain(at..end);
            }
            2 => {
                let at = rng.below(len).min(b.len());
                let end = (at + 1 + rng.below(512)).min(b.len());
                let chunk = b[at..end].to_vec();
                let to = rng.below(b.len() + 1);
                b.splice(to..to, chunk);
            }
            3 | 4 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let at = rng.below(b.len() + 1);
                b.splice(at..at, t.bytes());
            }
            _ => {
                let at = rng.below(len);
                b.truncate(at.max(1));
            }
        }
    }
    b
}

/// Mutate one part of a ZIP archive (an XLSX) and zip it again.
fn mutate_part(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else { return mutate(bytes, rng) };
    let target = rng.below(archive.len());
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let Ok(mut part) = archive.by_index(i) else { return mutate(bytes, rng) };
        let name = part.name().to_string();
        let mut data = Vec::new();
        if part.read_to_end(&mut data).is_err() {
            return mutate(bytes, rng);
        }
        if i == target {
            data = mutate(&data, rng);
        }
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        if out.start_file(name, options).is_err() || out.write_all(&data).is_err() {
            return mutate(bytes, rng);
        }
    }
    out.finish().map(|c| c.into_inner()).unwrap_or_else(|_| mutate(bytes, rng))
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The first `lines` lines of a file.
fn head(path: &Path, lines: usize) -> Vec<u8> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n').take(lines) {
        out.extend_from_slice(line);
    }
    out
}

/// A workbook from CSV rows: an empty first sheet, the rows with a
/// formula column, then a second copy.
fn workbook(csv_bytes: &[u8]) -> Vec<u8> {
    use rust_xlsxwriter::{Formula, Workbook};
    let mut book = Workbook::new();
    let _ = book.add_worksheet().set_name("Cover");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv_bytes);
    let records: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).take(300).collect();
    for name in ["Services", "Copy"] {
        let Ok(sheet) = book.add_worksheet().set_name(name) else { continue };
        for (r, rec) in records.iter().enumerate() {
            for (c, v) in rec.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                let _ = match v.parse::<f64>() {
                    Ok(n) => sheet.write_number(r, c, n).map(|_| ()),
                    Err(_) => sheet.write_string(r, c, v).map(|_| ()),
                };
            }
            let c = rec.len() as u16;
            let _ = if r == 0 {
                sheet.write_string(0, c, "Capacity").map(|_| ())
            } else if r % 2 == 0 {
                sheet.write_formula(r as u32, c, Formula::new(format!("=LEN(A{})", r + 1)).set_result("7")).map(|_| ())
            } else {
                sheet.write_formula(r as u32, c, format!("=B{}*2", r + 1).as_str()).map(|_| ())
            };
        }
    }
    book.save_to_buffer().expect("a workbook")
}

fn windows_1252(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes).chars().map(|c| if (c as u32) < 256 { c as u32 as u8 } else { b'?' }).collect()
}

struct World {
    manifest: needmap::dataset::Manifest,
    postcodes: Option<Postcodes>,
    existing: Vec<RegisteredService>,
}

/// Read and validate one input: whether it was read (else refused with a
/// message), or the panic's message.
fn exercise(world: &World, bytes: &[u8], name: &str) -> Result<bool, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let Ok(upload) = read_upload(bytes, name, &UploadOptions::default()) else { return false };
        let placer = Placer::new(world.postcodes.as_ref()).expect("transforms");
        let rule = DedupeRule::default();
        let checker = Checker { manifest: &world.manifest, placer: &placer, existing: &world.existing, rule: &rule, inside: None };
        let mut s = Submission::from_upload(upload, "fuzz", "fuzz");
        s.revalidate(&checker);
        serde_json::to_string(&s).is_ok()
    }))
    .map_err(|p| p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "panic".into()))
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seconds: u64 = env_or("FUZZ_UPLOAD_SECONDS", 60);
    let timeout: u64 = env_or("FUZZ_TIMEOUT", 10);
    let seed: u64 = env_or("FUZZ_SEED", std::process::id() as u64 ^ 0x9E37_79B9_7F4A_7C15);
    let data = PathBuf::from(env_or("FUZZ_DATA", root.join("../shared/geodata/bradford").display().to_string()));
    let manifest_path = PathBuf::from(env_or("FUZZ_MANIFEST", root.join("geodata/bradford/dataset.toml").display().to_string()));
    let out_dir = PathBuf::from(env_or("FUZZ_OUT", root.join("target/fuzz-reproducers").display().to_string()));

    // The pack, with the project's manifest (as `needmap --data` finds it).
    let loc = needmap::dataset::locate(Some(&data)).expect("the data pack");
    let mut manifest = loc.manifest.clone();
    if let Ok(text) = std::fs::read_to_string(&manifest_path) {
        if let Ok(m) = toml::from_str::<needmap::dataset::Manifest>(&text) {
            manifest = m;
        }
    }
    let postcodes = manifest.postcodes.as_ref().and_then(|spec| Postcodes::read(&loc.data_dir, spec).ok());
    let existing = seed_services(&loc, &mut Diagnostics::default()).unwrap_or_default();
    let world = Arc::new(World { manifest, postcodes, existing });

    let services = head(&data.join("services.csv"), 400);
    let mut csv_inputs: Vec<(String, Vec<u8>)> = vec![
        ("services.csv".into(), services.clone()),
        ("schools_bng.csv".into(), head(&data.join("schools_bng.csv"), 300)),
        ("postcodes.csv".into(), head(&data.join("postcodes_bd_2014.csv"), 400)),
        ("services-1252.csv".into(), windows_1252(&services)),
        ("services-semicolon.csv".into(), String::from_utf8_lossy(&services).replace(',', ";").into_bytes()),
    ];
    csv_inputs.retain(|(_, b)| !b.is_empty());
    let xlsx_inputs: Vec<(String, Vec<u8>)> = vec![
        ("services.xlsx".into(), workbook(&services)),
        ("schools.xlsx".into(), workbook(&head(&data.join("schools_bng.csv"), 200))),
    ];

    std::panic::set_hook(Box::new(|_| {})); // panics are reported below, once
    std::fs::create_dir_all(&out_dir).expect("FUZZ_OUT");
    let mut rng = Rng(seed | 1);
    let mut failures = 0usize;
    println!("fuzz_uploads: seed {seed}, {seconds} s per parser, {timeout} s per input");
    for (phase, inputs) in [("csv", &csv_inputs), ("xlsx", &xlsx_inputs)] {
        let start = Instant::now();
        let mut runs = 0usize;
        let mut refused = 0usize;
        while start.elapsed() < Duration::from_secs(seconds) {
            let (name, original) = &inputs[rng.below(inputs.len())];
            let bytes = if phase == "xlsx" && rng.below(3) > 0 { mutate_part(original, &mut rng) } else { mutate(original, &mut rng) };
            let (tx, rx) = mpsc::channel();
            let (w, b, n) = (world.clone(), bytes.clone(), name.clone());
            std::thread::spawn(move || {
                let _ = tx.send(exercise(&w, &b, &n));
            });
            runs += 1;
            let failure = match rx.recv_timeout(Duration::from_secs(timeout)) {
                Ok(Ok(parsed)) => {
                    refused += usize::from(!parsed);
                    None
                }
                Ok(Err(panic)) => Some(format!("panic: {panic}")),
                Err(_) => Some(format!("no answer within {timeout} s")),
            };
            if let Some(why) = failure {
                failures += 1;
                let ext = if phase == "xlsx" { "xlsx" } else { "csv" };
                let file = out_dir.join(format!("upload-{phase}-{seed}-{runs}.{ext}"));
                let _ = std::fs::write(&file, &bytes);
                println!("FAIL {phase} from {name}: {why}; input saved as {}", file.display());
                if why.starts_with("no answer") {
                    break; // the stuck thread keeps running: stop this phase
                }
            }
        }
        println!("{phase}: {runs} inputs in {:.0} s, {refused} refused with a message, {failures} failure(s) so far", start.elapsed().as_secs_f64());
    }
    if failures > 0 {
        println!("fuzz_uploads: {failures} failure(s); reproducers in {}", out_dir.display());
        std::process::exit(1);
    }
    println!("fuzz_uploads: no panic and no hang");
}
