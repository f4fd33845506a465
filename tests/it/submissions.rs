//! Partners' submissions (issue 12, "Submissions" and "Bad input"): a CSV
//! of 20 services with real postcodes (3 bad rows, 2 duplicates of GPs of
//! the seeded register) through `register submit`, `fix`, `decide` and
//! `publish`; the engine sees the new services. Bad input: wrong file
//! type, a 200 MB upload, an XLSX with formulas and several sheets,
//! Windows-1252, duplicate rows, unknown category, contradicting tier.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use needmap::dataset::locate;
use needmap::load::{Diagnostics, Postcodes};
use needmap::register::submission::district::inside_district;
use needmap::register::submission::store::published_id;
use needmap::register::submission::RowState;
use needmap::register::upload::{read_upload, read_upload_file, Field, FileType, Severity, UploadError, UploadLimits, UploadOptions};
use needmap::register::{seed_services, Checker, Decision, DedupeRule, Placer, Register, RegisterError, Submission};

use super::common;

fn shared() -> PathBuf {
    common::root().join("../shared/geodata/bradford")
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_needmap")
}

/// A register seeded from the pack's service files (984 services), in `dir`.
pub(crate) fn seeded(dir: &Path) -> PathBuf {
    let loc = locate(Some(&shared())).unwrap();
    let mut diags = Diagnostics::default();
    let services = seed_services(&loc, &mut diags).unwrap();
    let path = dir.join("register.gpkg");
    Register::create_with(&path, false, |r| r.add_services(&services, "seed", None)).unwrap();
    path
}

/// Postcode -> (easting, northing, district code) from the real Code-Point Open file.
pub(crate) fn postcode_file() -> BTreeMap<String, (f64, f64, String)> {
    let mut r = csv::Reader::from_path(shared().join("postcodes_bd_2014.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let code = needmap::load::normalise_postcode(&rec[0]).unwrap();
            (code, (rec[2].parse().unwrap(), rec[3].parse().unwrap(), rec[8].to_string()))
        })
        .collect()
}

/// Every 800th postcode of the district (quality 10), sorted: 15 of them.
pub(crate) fn hub_postcodes(file: &BTreeMap<String, (f64, f64, String)>) -> Vec<String> {
    let mut r = csv::Reader::from_path(shared().join("postcodes_bd_2014.csv")).unwrap();
    let mut codes: Vec<String> = r
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[8] == "E08000032" && &r[1] == "10")
        .map(|r| needmap::load::normalise_postcode(&r[0]).unwrap())
        .collect();
    codes.sort();
    let picked: Vec<String> = codes.iter().step_by(800).take(15).cloned().collect();
    assert_eq!(picked.len(), 15);
    assert!(picked.iter().all(|c| file.contains_key(c)));
    picked
}

/// A postcode of the file outside the district (Craven, E07000163).
pub(crate) fn outside_postcode(file: &BTreeMap<String, (f64, f64, String)>) -> String {
    file.iter().find(|(_, v)| v.2 == "E07000163").map(|(k, _)| k.clone()).unwrap()
}

/// The partner's file: rows 2-16 family hubs (row 5 tier 3 against the
/// category's 2; row 7 outside the district; row 9 by lon/lat), row 17 an
/// unknown category, row 18 an unknown postcode, row 19 a capacity that is
/// not a number, rows 20-21 GPs already in the register.
pub(crate) fn partner_csv(hubs: &[String], outside: &str) -> String {
    let mut csv = String::from("Service name,Type,Tier,Post Code,Longitude,Latitude,Places,Opening Hours,Tel,Your Ref,Notes\n");
    for (i, code) in hubs.iter().enumerate() {
        let row = i + 2;
        let tier = if row == 5 { "3" } else { "" };
        let code = if row == 7 { outside } else { code.as_str() };
        let (pc, lon, lat) = if row == 9 { ("", "-1.7594", "53.7946") } else { (code, "", "") };
        csv.push_str(&format!("Family Hub {row},family_hub,{tier},{pc},{lon},{lat},40,Mon-Fri 9-5,01274 000{row:03},FH-{row},\n"));
    }
    csv.push_str("Little Stars Centre,childrens_centre,,BD3 9AA,,,20,,,FH-17,\n");
    csv.push_str("Moorside Family Hub,family_hub,,BD99 9ZZ,,,30,,,FH-18,new build\n");
    csv.push_str("Eastside Family Hub,family_hub,,BD4 7QN,,,lots,,,FH-19,\n");
    csv.push_str("Dr J Danby and Partners,gp,,BD8 9DP,,,,Mon-Fri 8-6.30,01274 111111,GP-20,\n");
    csv.push_str("Haworth Road Surgery,gp,,BD9 6LL,,,,,,GP-21,\n");
    csv
}

fn run(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// The checks the CLI makes, built in the test over `register`.
struct Setup {
    loc: needmap::dataset::DatasetLocation,
    postcodes: Postcodes,
    rule: DedupeRule,
}

impl Setup {
    fn new() -> Setup {
        let loc = locate(Some(&shared())).unwrap();
        let postcodes = Postcodes::read(&loc.data_dir, loc.manifest.postcodes.as_ref().unwrap()).unwrap();
        Setup { loc, postcodes, rule: DedupeRule::default() }
    }

    fn with<T>(&self, register: &Register, f: impl FnOnce(&Checker<'_>) -> T) -> T {
        self.with_existing(&register.services().unwrap(), f)
    }

    fn with_existing<T>(&self, existing: &[needmap::register::RegisteredService], f: impl FnOnce(&Checker<'_>) -> T) -> T {
        let placer = Placer::new(Some(&self.postcodes)).unwrap();
        let inside = inside_district(common::engine());
        let checker = Checker { manifest: &self.loc.manifest, placer: &placer, existing, rule: &self.rule, inside: Some(&inside) };
        f(&checker)
    }
}

#[test]
fn a_partners_csv_is_checked_fixed_decided_and_published_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let register_path = seeded(dir.path());
    let file = postcode_file();
    let hubs = hub_postcodes(&file);
    let outside = outside_postcode(&file);
    let upload = dir.path().join("family hubs.csv");
    std::fs::write(&upload, partner_csv(&hubs, &outside)).unwrap();
    let data = shared();
    let cache = dir.path().join("cache");
    let common_args = ["--data", data.to_str().unwrap(), "--register", register_path.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()];
    let cli = |args: &[&str]| {
        let mut all: Vec<&str> = vec!["register"];
        all.extend_from_slice(args);
        all.extend_from_slice(&common_args);
        run(&all)
    };

    let out = cli(&["submit", upload.to_str().unwrap(), "--org", "family-hubs", "--who", "P Partner"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    for line in ["name           Service name   exact", "postcode       Post Code      exact", "capacity       Places         exact", "source_id      Your Ref       exact", "ignored columns: Notes"] {
        assert!(stdout.contains(line), "the column match is shown: {line}\n{stdout}");
    }
    assert!(stdout.contains("20 row(s): 15 ready, 3 with errors, 2 possible duplicates to decide; 5 warning(s)"), "{stdout}");
    assert!(stdout.contains("saved as draft submission 1;"), "{stdout}");
    let register = Register::open(&register_path).unwrap();
    assert_eq!(register.count().unwrap(), 984, "a draft adds nothing to services");

    // The exact report.
    let setup = Setup::new();
    let s = register.submission(1).unwrap();
    assert_eq!((s.partner.as_str(), s.file_name.as_str(), s.status.as_str(), s.rows.len()), ("family-hubs", "family hubs.csv", "draft", 20));
    let (e7, n7, _) = &file[&outside];
    let lookup = std::path::Path::new(&setup.postcodes.file).file_name().unwrap().to_string_lossy().into_owned();
    let messages: Vec<String> = s.report.messages.iter().map(|m| m.to_string()).collect();
    let known = "clinic_health_centre, college, community_centre, dentist, early_years, family_hub, gp, hospital, library, pharmacy, school, social_facility, warm_space, youth_service";
    assert_eq!(
        messages,
        vec![
            "row 5, tier: warning: tier `3` differs from category `family_hub`'s tier `2`: allowed, but check it is meant".to_string(),
            format!("row 7, postcode: warning: the place ({e7:.0}, {n7:.0}) lies outside the district: allowed, but check it is meant (it counts in no area)"),
            format!("row 17, category: error: `childrens_centre` is not a category of the manifest; give one of {known}. Did you mean `family_hub`?"),
            format!("row 18, postcode: error: BD99 9ZZ is not in the postcode lookup ({lookup}): new, terminated or mistyped; give coordinates or a current postcode"),
            "row 19, capacity: error: `lots` is not a number; give a number".to_string(),
            "row 20, name: warning: may be the same service as register service bd-00134 `Dr Danby J & Partners` (nhs_choices_2014): the same postcode, 25 m away, name similarity 1.00; decide: skip it, merge it into that service, or keep both".to_string(),
            "row 21, name: warning: may be the same service as register service bd-00171 `Haworth Road Health Centre` (nhs_choices_2014): the same postcode, 45 m away, name similarity 1.00; decide: skip it, merge it into that service, or keep both".to_string(),
            "row 21, name: warning: may be the same service as register service bd-00235 `Haworth Road Health Centre` (osm): the same postcode, 154 m away, name similarity 1.00; decide: skip it, merge it into that service, or keep both".to_string(),
        ]
    );
    assert_eq!(s.report.unknown_postcodes, vec![(18, "BD99 9ZZ".to_string())]);
    let states: Vec<(usize, RowState)> = s.report.states.clone();
    let expected: Vec<(usize, RowState)> = (2..=21)
        .map(|r| (r, match r { 17..=19 => RowState::Error, 20 | 21 => RowState::Duplicate, _ => RowState::Ready }))
        .collect();
    assert_eq!(states, expected);
    // The duplicates' distances, from the postcode file and the register independently.
    let services = register.services().unwrap();
    for d in &s.report.duplicates {
        let gp = services.iter().find(|x| Some(&x.id) == d.of_service.as_ref()).unwrap();
        let (e, n, _) = &file[gp.postcode.as_ref().unwrap()];
        assert!(((e - gp.easting).hypot(n - gp.northing) - d.distance_m).abs() < 1e-6, "{d:?}");
        assert!(d.same_postcode && d.distance_m <= 200.0);
    }

    // Fix row 18 with a current postcode (and a capacity given as a header name).
    let out = cli(&["fix", "1", "--row", "18", "--set", "postcode=BD7 1LG", "--set", "Places=35", "--who", "P Partner"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("submission 1: row 18 fixed; it is now ready"), "{stdout}");
    // Publication is refused while rows block, and writes nothing.
    let changes_before = register.changes().unwrap().len();
    let out = cli(&["publish", "1", "--who", "R Reviewer"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("submission 1 is not published: row 17 (error), row 19 (error), row 20 (duplicate), row 21 (duplicate)."), "{stderr}");
    assert_eq!(register.count().unwrap(), 984);
    assert_eq!(register.changes().unwrap().len(), changes_before);
    // Decide the duplicates: merge row 20 into the NHS GP, skip row 21.
    assert!(cli(&["decide", "1", "--row", "20", "merge:bd-00134", "--who", "R Reviewer"]).status.success());
    assert!(cli(&["decide", "1", "--row", "21", "skip", "--who", "R Reviewer"]).status.success());
    let out = cli(&["publish", "1", "--who", "R Reviewer", "--exclude-blocking"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("submission 1 published by R Reviewer: 16 service(s) added, 1 merged; 1000 services in the register"), "{stdout}");
    assert!(stdout.contains("excluded (--exclude-blocking): rows 17 (error), 19 (error)"), "{stdout}");

    // The register: 16 new services, placed at their postcodes' points, the merge keeps both records.
    let register = Register::open_read_only(&register_path).unwrap();
    assert_eq!(register.count().unwrap(), 984 + 16);
    let after = register.services().unwrap();
    let added: Vec<_> = after.iter().filter(|x| x.source == "submission:1").collect();
    let rows: BTreeSet<usize> = added.iter().map(|x| x.id.trim_start_matches("sub1-r").parse().unwrap()).collect();
    assert_eq!(rows, (2..=16).chain([18]).collect());
    for x in &added {
        assert_eq!((x.category.as_str(), x.partner.as_deref(), x.source_file.as_str()), ("family_hub", Some("family-hubs"), "register"));
        if let Some(code) = &x.postcode {
            if x.id != "sub1-r9" {
                let (e, n, _) = &file[code];
                assert_eq!((x.easting, x.northing), (*e, *n), "{} is at {code}'s point", x.id);
            }
        }
    }
    let r5 = after.iter().find(|x| x.id == "sub1-r5").unwrap();
    assert_eq!(r5.tier, "3", "a contradicting tier is allowed");
    let r9 = after.iter().find(|x| x.id == "sub1-r9").unwrap();
    assert_eq!((r9.lon, r9.lat, r9.located_by), (-1.7594, 53.7946, needmap::register::LocatedBy::Coordinates));
    let r18 = after.iter().find(|x| x.id == "sub1-r18").unwrap();
    assert_eq!((r18.postcode.as_deref(), r18.capacity, r18.source_ids[0].source_id.as_deref()), (Some("BD7 1LG"), Some(35.0), Some("FH-18")));
    let gp = after.iter().find(|x| x.id == "bd-00134").unwrap();
    assert_eq!(gp.source_ids.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["bd-00134", "sub1-r20"]);
    assert_eq!((gp.opening_hours.as_deref(), gp.contact.as_deref(), gp.name.as_str()), (Some("Mon-Fri 8-6.30"), Some("01274 111111"), "Dr Danby J & Partners"));
    assert!(!after.iter().any(|x| x.name == "Haworth Road Surgery" || x.name == "Little Stars Centre" || x.name == "Eastside Family Hub"));

    // The audit log: one add per new service and one update, all naming the reviewer, one publish row.
    let log = register.changes().unwrap();
    let by_reviewer: Vec<_> = log.iter().filter(|c| c.who == "R Reviewer").collect();
    let count = |action: &str| by_reviewer.iter().filter(|c| c.action == action).count();
    assert_eq!((count("add"), count("update"), count("publish"), count("decide")), (16, 1, 1, 2));
    let publish = by_reviewer.iter().find(|c| c.action == "publish").unwrap();
    assert!(publish.note.as_deref().unwrap().contains("excluded by the reviewer: row 17 (error), row 19 (error)"), "{publish:?}");
    assert!(log.iter().any(|c| c.action == "fix" && c.who == "P Partner" && c.before.is_some() && c.after.is_some()));
    assert!(log.iter().any(|c| c.action == "submit" && c.who == "P Partner"));
    let s = register.submission(1).unwrap();
    assert_eq!((s.status.as_str(), s.reviewed_by.as_deref(), s.published.len()), ("published", Some("R Reviewer"), 17));
    let out = cli(&["fix", "1", "--row", "17", "--set", "category=family_hub"]);
    assert!(!out.status.success() && text(&out).1.contains("submission 1 is published: it can no longer be changed"), "{}", text(&out).1);

    // The engine reading the register sees the new family hubs: the gap changes.
    let engine = common::engine();
    let gaps = |reg: &Register| {
        let mut diags = Diagnostics::default();
        let services = reg.engine_services(&engine.manifest, &engine.categories, &mut diags).unwrap();
        let e = engine.with_services(services);
        let q = needmap::gaps::GapQuery { level: "ward".into(), category: Some("family_hub".into()), ..Default::default() };
        needmap::gaps::compute(&e, &q)
    };
    let before_path = dir.path().join("before.gpkg");
    Register::create_with(&before_path, false, |r| r.add_services(&services, "seed", None)).unwrap();
    let before = gaps(&Register::open_read_only(&before_path).unwrap()).unwrap();
    let after = gaps(&register).unwrap();
    let seeded_hubs = services.iter().filter(|x| x.category == "family_hub").count();
    assert_eq!((before.services, after.services), (seeded_hubs, seeded_hubs + 16));
    let unmet = |t: &needmap::gaps::GapTable| t.rows.iter().filter_map(|r| r.unmet_need).sum::<f64>();
    let nearer = before.rows.iter().zip(&after.rows).filter(|(b, a)| a.nearest_m < b.nearest_m).count();
    assert!(before.rows.iter().zip(&after.rows).all(|(b, a)| b.code == a.code && a.nearest_m <= b.nearest_m));
    assert!(nearer > 0, "some wards are nearer a family hub");
    assert!(unmet(&after) < unmet(&before), "{} -> {}", unmet(&before), unmet(&after));
}

#[test]
fn publication_is_all_or_nothing_when_a_write_fails_part_way() {
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let setup = Setup::new();
    let csv = "name,category,postcode\nHub A,family_hub,BD1 1AA\nHub B,family_hub,BD7 1LG\nHub C,family_hub,BD5 0JT\n";
    let upload = read_upload(csv.as_bytes(), "three.csv", &UploadOptions::default()).unwrap();
    let mut register = Register::open(&path).unwrap();
    let mut s = Submission::from_upload(upload, "family-hubs", "P Partner");
    let existing = register.services().unwrap();
    let id = setup.with_existing(&existing, |c| register_save(&mut register, &mut s, c));
    assert_eq!(s.report.count(RowState::Ready), 3);
    // Someone adds a service with the id the third row would get: the
    // third insert fails inside the transaction, after two succeeded.
    let mut squatter = register.services().unwrap()[0].clone();
    squatter.id = published_id(id, 4);
    squatter.created.clear();
    squatter.updated.clear();
    register.add_services(&[squatter], "someone", None).unwrap();
    let (count, changes) = (register.count().unwrap(), register.changes().unwrap().len());
    let err = setup.with(&register, |c| {
        let mut r = Register::open(&path).unwrap();
        r.publish_submission(id, "R Reviewer", false, c).unwrap_err()
    });
    assert!(matches!(&err, RegisterError::DuplicateId { id: x } if x == &published_id(id, 4)), "{err}");
    let register = Register::open_read_only(&path).unwrap();
    assert_eq!(register.count().unwrap(), count, "nothing half-imported");
    assert_eq!(register.changes().unwrap().len(), changes, "no audit row either");
    assert!(register.service(&published_id(id, 2)).unwrap().is_none());
    assert_eq!(register.submission(id).unwrap().status.as_str(), "draft");
}

fn register_save(register: &mut Register, s: &mut Submission, c: &Checker<'_>) -> i64 {
    register.save_submission(s, c).unwrap()
}

#[test]
fn a_rejected_submission_keeps_its_reason_and_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let setup = Setup::new();
    let upload = read_upload(b"name,category,postcode\nHub A,family_hub,BD1 1AA\n", "one.csv", &UploadOptions::default()).unwrap();
    let mut register = Register::open(&path).unwrap();
    let mut s = Submission::from_upload(upload, "family-hubs", "P Partner");
    let existing = register.services().unwrap();
    let id = setup.with_existing(&existing, |c| register_save(&mut register, &mut s, c));
    let sent = register.send_submission(id, "P Partner").unwrap();
    assert_eq!(sent.status.as_str(), "submitted");
    assert!(register.reject_submission(id, "R Reviewer", " ").is_err(), "a reason is required");
    let r = register.reject_submission(id, "R Reviewer", "not in our district's remit").unwrap();
    assert_eq!((r.status.as_str(), r.reason.as_deref(), r.reviewed_by.as_deref()), ("rejected", Some("not in our district's remit"), Some("R Reviewer")));
    assert_eq!(register.count().unwrap(), 984);
    let err = setup.with(&register, |c| Register::open(&path).unwrap().publish_submission(id, "R Reviewer", true, c).unwrap_err());
    assert!(err.to_string().contains("is rejected"), "{err}");
    assert!(register.changes().unwrap().iter().any(|c| c.action == "reject" && c.note.as_deref() == Some(&format!("submission {id} rejected: not in our district's remit") as &str)));
}

#[test]
fn a_png_renamed_csv_is_refused_by_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("services.csv");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0").unwrap();
    let err = read_upload_file(&png, &UploadOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "services.csv: a PNG image, not a CSV or XLSX file (although it is named .csv). Upload the services as CSV (UTF-8) or as an Excel workbook (.xlsx)");
    // And through the CLI, nothing saved.
    let register = seeded(dir.path());
    let data = shared();
    let out = run(&["register", "submit", png.to_str().unwrap(), "--org", "x", "--data", data.to_str().unwrap(), "--register", register.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("a PNG image, not a CSV or XLSX file"), "{}", text(&out).1);
    assert!(Register::open_read_only(&register).unwrap().submissions().unwrap().is_empty());
    // A CSV named .xlsx is read as the CSV it is, with a note.
    let u = read_upload(b"name,category,postcode\nA,gp,BD1 1AA\n", "services.xlsx", &UploadOptions::default()).unwrap();
    assert_eq!(u.file_type, FileType::Csv);
    assert_eq!(u.notes[0], "the file is named .xlsx but holds CSV text; it was read as CSV text");
}

/// A reader of endless bytes that counts what was read from it.
struct Endless<'a>(&'a std::cell::Cell<u64>);

impl std::io::Read for Endless<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        buf.fill(b'a');
        self.0.set(self.0.get() + buf.len() as u64);
        Ok(buf.len())
    }
}

#[test]
fn a_200_mb_upload_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(200 * 1000 * 1000).unwrap(); // sparse: no disk used
    let err = read_upload_file(&big, &UploadOptions::default()).unwrap_err();
    assert_eq!(err, UploadError::TooLarge { file: "big.csv".into(), limit_mb: 20, max_rows: 50_000 });
    assert_eq!(err.to_string(), "big.csv: the file is larger than 20 MB; split it into smaller files (at most 50000 rows each)");
    // A stream (an HTTP body) is read only up to the cap and one byte.
    let read = std::cell::Cell::new(0);
    let err = UploadLimits::default().read_capped(Endless(&read), "stream.csv").unwrap_err();
    assert!(matches!(err, UploadError::TooLarge { .. }));
    assert!(read.get() <= 20 * 1000 * 1000 + 64 * 1024, "read {} bytes", read.get());
    // The row cap: 50,001 short rows are refused with the limit named.
    let mut many = String::from("name,category,postcode\n");
    for i in 0..50_001 {
        many.push_str(&format!("S{i},gp,BD1 1AA\n"));
    }
    let err = read_upload(many.as_bytes(), "many.csv", &UploadOptions::default()).unwrap_err();
    assert_eq!(err.to_string(), "many.csv: more than 50000 rows of services; split it into files of at most 50000 rows");
    let data = shared();
    let register = seeded(dir.path());
    let out = run(&["register", "submit", big.to_str().unwrap(), "--org", "x", "--data", data.to_str().unwrap(), "--register", register.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out).1.contains("larger than 20 MB"), "{}", text(&out).1);
}

/// A workbook: an empty cover sheet, then "Services" with a formula whose
/// value was saved and one saved without a value, then "Archive".
fn workbook() -> Vec<u8> {
    use rust_xlsxwriter::{Formula, Workbook};
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Cover").unwrap();
    let sheet = book.add_worksheet().set_name("Services").unwrap();
    for (c, h) in ["Service Name", "Category", "PCODE", "Capacity", "Opening times"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "Hub at the Mill").unwrap();
    sheet.write_string(1, 1, "family_hub").unwrap();
    sheet.write_string(1, 2, "bd71lg").unwrap();
    sheet.write_formula(1, 3, Formula::new("=20*2").set_result("40")).unwrap();
    sheet.write_string(1, 4, "Mon-Fri 9-5").unwrap();
    sheet.write_string(2, 0, "Hub by the Park").unwrap();
    sheet.write_string(2, 1, "family_hub").unwrap();
    sheet.write_string(2, 2, "BD1 1AA").unwrap();
    sheet.write_formula(2, 3, "=A1*2").unwrap();
    sheet.write_number_with_format(2, 4, 0.375, &rust_xlsxwriter::Format::new().set_num_format("hh:mm")).unwrap();
    let archive = book.add_worksheet().set_name("Archive").unwrap();
    archive.write_string(0, 0, "name").unwrap();
    archive.write_string(1, 0, "Old hub").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_with_formulas_and_several_sheets() {
    let bytes = workbook();
    let u = read_upload(&bytes, "hubs.xlsx", &UploadOptions::default()).unwrap();
    assert_eq!(u.file_type, FileType::Xlsx);
    assert_eq!(u.headers, vec!["Service Name", "Category", "PCODE", "Capacity", "Opening times"]);
    assert_eq!(u.notes[0], "the workbook has 3 sheets (`Cover`, `Services`, `Archive`); sheet `Services` was read, the first sheet with data. To read another, name it (--sheet)");
    assert_eq!(u.notes[1], "2 cell(s) of sheet `Services` hold formulas: each was read as the value saved with the file, not recalculated (see the cells' warnings)");
    assert_eq!(u.rows.len(), 2);
    assert_eq!((u.rows[0].row, u.rows[0].get(Field::Postcode), u.rows[0].get(Field::Capacity)), (2, Some("bd71lg"), Some("40")));
    assert_eq!(u.rows[1].get(Field::OpeningHours), Some("09:00"), "a time cell as text");
    let notes: Vec<(usize, Field, Severity, &str)> = u.cells.iter().map(|n| (n.row, n.field, n.severity, n.message.as_str())).collect();
    // rust_xlsxwriter, which does not calculate, saves a formula's value as 0 unless told one:
    // that 0 is what is read, with the warning.
    assert_eq!(u.rows[1].get(Field::Capacity), Some("0"));
    let second_note = "the cell holds the formula =A1*2; the value last calculated and saved with the file, `0`, was read (formulas are not recalculated): check it".to_string();
    assert_eq!(
        notes,
        vec![
            (2, Field::Capacity, Severity::Warning, "the cell holds the formula =20*2; the value last calculated and saved with the file, `40`, was read (formulas are not recalculated): check it"),
            (3, Field::Capacity, Severity::Warning, second_note.as_str()),
        ]
    );
    // A named sheet; a sheet that is not there.
    let u = read_upload(&bytes, "hubs.xlsx", &UploadOptions { sheet: Some("archive".into()), ..Default::default() }).unwrap();
    assert_eq!((u.rows.len(), u.rows[0].get(Field::Name)), (1, Some("Old hub")));
    assert!(u.notes.is_empty(), "{:?}", u.notes);
    let err = read_upload(&bytes, "hubs.xlsx", &UploadOptions { sheet: Some("Nope".into()), ..Default::default() }).unwrap_err();
    assert_eq!(err.to_string(), "hubs.xlsx: the workbook has no sheet `Nope`; its sheets are `Cover`, `Services`, `Archive`");
    // The formula warnings reach the validation report, by row and field.
    let dir = tempfile::tempdir().unwrap();
    let register = Register::open(&seeded(dir.path())).unwrap();
    let mut s = Submission::from_upload(read_upload(&bytes, "hubs.xlsx", &UploadOptions::default()).unwrap(), "family-hubs", "P");
    Setup::new().with(&register, |c| s.revalidate(c));
    let m: Vec<String> = s.report.messages.iter().map(|m| format!("row {} {}", m.row, m.field)).collect();
    assert_eq!(m, vec!["row 2 capacity", "row 3 capacity"]);
    // A workbook truncated in transit is refused with advice, not a panic.
    let err = read_upload(&bytes[..bytes.len() / 2], "hubs.xlsx", &UploadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("ZIP") || err.to_string().contains("Excel"), "{err}");
}

#[test]
fn windows_1252_duplicate_rows_unknown_category_and_contradicting_tier() {
    let dir = tempfile::tempdir().unwrap();
    let register = Register::open(&seeded(dir.path())).unwrap();
    let bytes = b"Name;Category;Tier;Postcode\nCaf\xE9 Hub;family_hub;;BD1 1AA\nCaf\xE9 Hub;family_hub;;BD1 1AA\nPoint;GP surgery;2;BD7 1LG\nThing;dentistry;;BD7 1LG\n";
    let u = read_upload(bytes, "excel.csv", &UploadOptions::default()).unwrap();
    assert!(u.notes.iter().any(|n| n.contains("Windows-1252")), "{:?}", u.notes);
    assert!(u.notes.iter().any(|n| n == "columns are separated by semicolons"), "{:?}", u.notes);
    assert_eq!(u.rows[0].get(Field::Name), Some("Café Hub"));
    let mut s = Submission::from_upload(u, "p", "p");
    Setup::new().with(&register, |c| s.revalidate(c));
    let messages: Vec<String> = s.report.messages.iter().map(|m| m.to_string()).collect();
    assert_eq!(
        messages,
        vec![
            "row 3, name: warning: the same as row 2 (every field): the same postcode, 0 m away, name similarity 1.00; decide: skip it, or keep both",
            "row 4, category: warning: `GP surgery` is the label of category `gp`: read as `gp`",
            "row 4, tier: warning: tier `2` differs from category `gp`'s tier `1`: allowed, but check it is meant",
            "row 5, category: error: `dentistry` is not a category of the manifest; give one of clinic_health_centre, college, community_centre, dentist, early_years, family_hub, gp, hospital, library, pharmacy, school, social_facility, warm_space, youth_service. Did you mean `dentist`?",
        ]
    );
    assert_eq!(s.report.states, vec![(2, RowState::Ready), (3, RowState::Duplicate), (4, RowState::Ready), (5, RowState::Error)]);
    // Decisions change the state; a decision to merge needs a real service.
    s.rows[1].decision = Some(Decision::Skip);
    Setup::new().with(&register, |c| s.revalidate(c));
    assert_eq!(s.report.state(3), Some(RowState::Skip));
    assert!(Decision::parse("merge:").is_err());
    assert_eq!(Decision::parse("merge:bd-00001"), Ok(Decision::Merge("bd-00001".into())));
}

#[test]
fn forgiving_headers_through_the_cli_with_a_correction() {
    let dir = tempfile::tempdir().unwrap();
    let register = seeded(dir.path());
    let upload = dir.path().join("odd.csv");
    std::fs::write(&upload, "Site,kind,PC,Where\nBowling Hub,family_hub,,BD1 1AA\n").unwrap();
    let data = shared();
    let cache = dir.path().join("cache");
    let base = ["--org", "p", "--dry-run", "--data", data.to_str().unwrap(), "--register", register.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()];
    let mut args = vec!["register", "submit", upload.to_str().unwrap()];
    args.extend_from_slice(&base);
    let (stdout, _) = text(&run(&args));
    let column = |out: &str, field: &str| out.lines().find(|l| l.starts_with(&format!("{field} "))).map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>());
    assert_eq!(column(&stdout, "postcode"), Some(vec!["postcode".to_string(), "PC".into(), "exact".into()]), "{stdout}");
    assert_eq!(column(&stdout, "name"), Some(vec!["name".to_string(), "Site".into(), "exact".into()]));
    assert_eq!(column(&stdout, "category"), Some(vec!["category".to_string(), "kind".into(), "exact".into()]));
    assert!(stdout.contains("row 2, postcode: error: no place"), "{stdout}");
    args.extend_from_slice(&["--column", "postcode=Where"]);
    let (stdout, stderr) = text(&run(&args));
    assert_eq!(column(&stdout, "postcode"), Some(vec!["postcode".to_string(), "Where".into(), "given".into()]), "{stdout}{stderr}");
    assert!(stdout.contains("ignored columns: PC"), "{stdout}");
    assert!(stdout.contains("1 row(s): 1 ready; 0 warning(s)"), "{stdout}");
    assert!(stdout.contains("dry run: no draft saved"));
    assert!(Register::open_read_only(&register).unwrap().submissions().unwrap().is_empty());
}
