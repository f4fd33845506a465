//! `needmap register submit|submissions|submission|fix|decide|send|publish|reject`:
//! partners' uploads held as drafts, validated, fixed and reviewed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use needmap::dataset::DatasetLocation;
use needmap::load::Postcodes;
use needmap::register::submission::district::inside_district;
use needmap::register::upload::{read_upload_file, Field, UploadOptions};
use needmap::register::{Checker, Decision, DedupeRule, Placer, Register, RegisteredService, Submission};
use needmap::report::{Cell, Format, Report};

use super::register::RegisterFileArgs;

/// `field=value` or `field=Header`, with the field by id or any of its column names.
fn field_pair(text: &str) -> Result<(Field, String), String> {
    let (f, v) = text.split_once('=').ok_or_else(|| format!("`{text}`: give FIELD=VALUE"))?;
    let field = Field::parse(f).ok_or_else(|| {
        format!("`{f}` is not a field; fields: {}", Field::ALL.iter().map(|f| f.id()).collect::<Vec<_>>().join(", "))
    })?;
    Ok((field, v.to_string()))
}

#[derive(Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    /// The partner's CSV (UTF-8 or Windows-1252) or XLSX file.
    pub upload: PathBuf,
    /// The partner organisation it comes from.
    #[arg(long)]
    pub org: String,
    /// The workbook sheet to read (default: the first with data).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Read FIELD from the column HEADER, over the automatic match (repeatable).
    #[arg(long = "column", value_name = "FIELD=HEADER", value_parser = field_pair)]
    pub columns: Vec<(Field, String)>,
    /// Name recorded in the audit log.
    #[arg(long, default_value = "needmap register submit")]
    pub who: String,
    /// Check and show only; save no draft.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    /// The submission's id.
    pub id: i64,
    /// `json` prints the whole submission (rows, report) as JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    pub id: i64,
    /// The row, as numbered in the report (the file's row).
    #[arg(long)]
    pub row: usize,
    /// FIELD=VALUE to replace (an empty VALUE clears the field; repeatable).
    #[arg(long = "set", value_name = "FIELD=VALUE", value_parser = field_pair, required = true)]
    pub set: Vec<(Field, String)>,
    #[arg(long, default_value = "needmap register fix")]
    pub who: String,
}

#[derive(Args)]
pub struct DecideArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    pub id: i64,
    #[arg(long)]
    pub row: usize,
    /// keep (a new service anyway), skip (leave it out), merge:SERVICE_ID, or clear.
    pub decision: String,
    #[arg(long, default_value = "needmap register decide")]
    pub who: String,
}

#[derive(Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    pub id: i64,
    #[arg(long, default_value = "needmap register send")]
    pub who: String,
}

#[derive(Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    pub id: i64,
    /// The reviewer, recorded on every audit row.
    #[arg(long)]
    pub who: String,
    /// Leave out every row with an error or an undecided duplicate (listed in the audit log) instead of refusing.
    #[arg(long)]
    pub exclude_blocking: bool,
}

#[derive(Args)]
pub struct RejectArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    pub id: i64,
    /// Why (the partner sees it).
    #[arg(long)]
    pub reason: String,
    #[arg(long, default_value = "needmap register reject")]
    pub who: String,
}

/// What validation needs, loaded once per command.
struct Review {
    loc: DatasetLocation,
    register: Register,
    postcodes: Option<Postcodes>,
    existing: Vec<RegisteredService>,
    rule: DedupeRule,
    engine: needmap::Engine,
}

impl Review {
    fn load(file: &RegisterFileArgs) -> anyhow::Result<Review> {
        let (loc, path) = file.locate()?;
        let register = Register::open(&path)?;
        let postcodes = match &loc.manifest.postcodes {
            Some(spec) => Some(Postcodes::read(&loc.data_dir, spec).with_context(|| "cannot read the [postcodes] lookup")?),
            None => None,
        };
        let existing = register.services()?;
        let rule = loc.manifest.register.as_ref().map(|r| DedupeRule::from_spec(&r.dedupe)).unwrap_or_default();
        let engine = file.data.load().context("loading the district's areas (to flag places outside it)")?;
        Ok(Review { loc, register, postcodes, existing, rule, engine })
    }

    fn with<T>(&mut self, f: impl FnOnce(&mut Register, &Checker<'_>) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let placer = Placer::new(self.postcodes.as_ref()).map_err(anyhow::Error::msg)?;
        let inside = inside_district(&self.engine);
        let checker = Checker { manifest: &self.loc.manifest, placer: &placer, existing: &self.existing, rule: &self.rule, inside: Some(&inside) };
        f(&mut self.register, &checker)
    }
}

fn text(v: impl Into<String>) -> Cell {
    Cell::Text(Some(v.into()))
}

/// The column match, notes, messages, duplicates and row states.
fn print_submission(s: &Submission, out: &mut dyn Write) -> anyhow::Result<()> {
    let id = if s.id > 0 { format!("submission {}", s.id) } else { "submission (not saved)".into() };
    writeln!(out, "{id}: `{}` from {}, {} (uploaded by {}{})", s.file_name, s.partner, s.status.as_str(), s.submitted_by, s.reviewed_by.as_ref().map(|r| format!(", reviewed by {r}")).unwrap_or_default())?;
    if let Some(reason) = &s.reason {
        writeln!(out, "rejected: {reason}")?;
    }
    writeln!(out, "\ncolumns (confirm; correct with --column FIELD=HEADER):")?;
    let mut columns = Report { columns: ["field", "column", "matched"].map(String::from).to_vec(), rows: Vec::new() };
    for c in &s.columns.columns {
        columns.rows.push(vec![text(c.field.id()), text(c.header.clone()), text(format!("{:?}", c.how).to_lowercase())]);
    }
    columns.write_table(out)?;
    if !s.columns.ignored.is_empty() {
        writeln!(out, "ignored columns: {}", s.columns.ignored.join(", "))?;
    }
    let missing = s.columns.missing();
    if !missing.is_empty() {
        writeln!(out, "no column for: {}", missing.join("; "))?;
    }
    for n in &s.notes {
        writeln!(out, "note: {n}")?;
    }
    let r = &s.report;
    writeln!(out, "\n{}", r.summary())?;
    for m in &r.messages {
        writeln!(out, "{m}")?;
    }
    if !r.unknown_postcodes.is_empty() {
        let list: Vec<String> = r.unknown_postcodes.iter().map(|(row, code)| format!("{code} (row {row})")).collect();
        writeln!(out, "postcodes not in the lookup (not guessed): {}", list.join(", "))?;
    }
    if !r.duplicates.is_empty() {
        writeln!(out, "\npossible duplicates, side by side:")?;
        let mut t = Report { columns: ["row", "name", "category", "postcode", "same as", "its name", "its category", "its postcode", "its source", "distance_m", "similarity"].map(String::from).to_vec(), rows: Vec::new() };
        for d in &r.duplicates {
            t.rows.push(vec![
                Cell::Count(d.row as u64),
                text(d.this.name.clone()),
                text(d.this.category.clone()),
                Cell::Text(d.this.postcode.clone()),
                text(d.that.what.clone()),
                text(d.that.name.clone()),
                text(d.that.category.clone()),
                Cell::Text(d.that.postcode.clone()),
                text(d.that.source.clone()),
                Cell::Number(Some(d.distance_m.round())),
                Cell::Number(Some((d.similarity * 100.0).round() / 100.0)),
            ]);
        }
        t.write_table(out)?;
    }
    let blocking = r.blocking();
    if !blocking.is_empty() && s.status.open() {
        let rows: Vec<String> = blocking.iter().map(|(row, st)| format!("{row} ({})", st.as_str())).collect();
        writeln!(out, "\nblocking publication: rows {}", rows.join(", "))?;
    }
    if !s.published.is_empty() {
        writeln!(out, "\npublished as: {}", s.published.join(", "))?;
    }
    Ok(())
}

pub fn submit(args: &SubmitArgs) -> anyhow::Result<ExitCode> {
    let options = UploadOptions { sheet: args.sheet.clone(), columns: args.columns.clone(), ..Default::default() };
    let upload = read_upload_file(&args.upload, &options)?;
    let mut ctx = Review::load(&args.file)?;
    let mut submission = Submission::from_upload(upload, &args.org, &args.who);
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        ctx.with(|_, checker| {
            submission.revalidate(checker);
            Ok(())
        })?;
        print_submission(&submission, &mut out)?;
        writeln!(out, "dry run: no draft saved")?;
        return Ok(ExitCode::SUCCESS);
    }
    let id = ctx.with(|register, checker| Ok(register.save_submission(&mut submission, checker)?))?;
    print_submission(&submission, &mut out)?;
    writeln!(out, "\nsaved as draft submission {id}; nothing is in the register until a reviewer runs `needmap register publish {id} --who NAME`")?;
    Ok(ExitCode::SUCCESS)
}

pub fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let (_, path) = args.file.locate()?;
    let register = Register::open_read_only(&path)?;
    let mut t = Report {
        columns: ["id", "partner", "file", "status", "rows", "ready", "errors", "duplicates", "uploaded_by", "reviewed_by", "created", "updated"].map(String::from).to_vec(),
        rows: Vec::new(),
    };
    for s in register.submissions()? {
        use needmap::register::submission::RowState;
        t.rows.push(vec![
            Cell::Count(s.id as u64),
            text(s.partner.clone()),
            text(s.file_name.clone()),
            text(s.status.as_str()),
            Cell::Count(s.rows.len() as u64),
            Cell::Count(s.report.count(RowState::Ready) as u64),
            Cell::Count(s.report.count(RowState::Error) as u64),
            Cell::Count(s.report.count(RowState::Duplicate) as u64),
            text(s.submitted_by.clone()),
            Cell::Text(s.reviewed_by.clone()),
            text(s.created.clone()),
            text(s.updated.clone()),
        ]);
    }
    t.write(args.format, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

pub fn show(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let (_, path) = args.file.locate()?;
    let register = Register::open_read_only(&path)?;
    let s = register.submission(args.id)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?,
        _ => print_submission(&s, &mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn fix(args: &FixArgs) -> anyhow::Result<ExitCode> {
    let mut ctx = Review::load(&args.file)?;
    let s = ctx.with(|register, checker| Ok(register.fix_submission_row(args.id, args.row, &args.set, &args.who, checker)?))?;
    let mut out = std::io::stdout().lock();
    let state = s.report.state(args.row).map(|s| s.as_str()).unwrap_or("?");
    writeln!(out, "submission {}: row {} fixed; it is now {state}", s.id, args.row)?;
    for m in s.report.messages.iter().filter(|m| m.row == args.row) {
        writeln!(out, "{m}")?;
    }
    writeln!(out, "{}", s.report.summary())?;
    Ok(ExitCode::SUCCESS)
}

pub fn decide(args: &DecideArgs) -> anyhow::Result<ExitCode> {
    let decision = match args.decision.trim() {
        "clear" => None,
        d => Some(Decision::parse(d).map_err(anyhow::Error::msg)?),
    };
    let mut ctx = Review::load(&args.file)?;
    let s = ctx.with(|register, checker| Ok(register.decide_submission_row(args.id, args.row, decision, &args.who, checker)?))?;
    let state = s.report.state(args.row).map(|s| s.as_str()).unwrap_or("?");
    println!("submission {}: row {} is now {state}; {}", s.id, args.row, s.report.summary());
    Ok(ExitCode::SUCCESS)
}

pub fn send(args: &SendArgs) -> anyhow::Result<ExitCode> {
    let (_, path) = args.file.locate()?;
    let mut register = Register::open(&path)?;
    let s = register.send_submission(args.id, &args.who)?;
    println!("submission {} sent for review: {}", s.id, s.report.summary());
    Ok(ExitCode::SUCCESS)
}

pub fn publish(args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let mut ctx = Review::load(&args.file)?;
    let publication = ctx.with(|register, checker| Ok(register.publish_submission(args.id, &args.who, args.exclude_blocking, checker)?))?;
    let count = ctx.register.count()?;
    let mut out = std::io::stdout().lock();
    let list = |rows: &[(usize, String)]| rows.iter().map(|(r, id)| format!("{id} (row {r})")).collect::<Vec<_>>().join(", ");
    writeln!(out, "submission {} published by {}: {} service(s) added, {} merged; {count} services in the register", args.id, args.who, publication.added.len(), publication.merged.len())?;
    if !publication.added.is_empty() {
        writeln!(out, "added: {}", list(&publication.added))?;
    }
    if !publication.merged.is_empty() {
        writeln!(out, "merged into: {}", list(&publication.merged))?;
    }
    if !publication.skipped.is_empty() {
        writeln!(out, "skipped by decision: rows {}", publication.skipped.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", "))?;
    }
    if !publication.excluded.is_empty() {
        let rows: Vec<String> = publication.excluded.iter().map(|(r, s)| format!("{r} ({})", s.as_str())).collect();
        writeln!(out, "excluded (--exclude-blocking): rows {}", rows.join(", "))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn reject(args: &RejectArgs) -> anyhow::Result<ExitCode> {
    let (_, path) = args.file.locate()?;
    let mut register = Register::open(&path)?;
    let s = register.reject_submission(args.id, &args.who, &args.reason)?;
    println!("submission {} rejected by {}: {}", s.id, args.who, s.reason.unwrap_or_default());
    Ok(ExitCode::SUCCESS)
}

