//! `needmap suggest`: where the next N sites of a category would do the most
//! good, with every existing site kept open.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use needmap::gaps::{GapContext, Travel};
use needmap::suggest::{self, CandidateSpec, DemandKind, Objective, Reach, SuggestQuery, Suggestion};

use super::DataArgs;

#[derive(Args)]
pub struct SuggestArgs {
    /// Category of the new sites (e.g. family_hub, library, gp); its existing sites stay open.
    #[arg(long)]
    pub category: String,
    /// Number of new sites (1 to 100).
    #[arg(long)]
    pub add: usize,
    /// coverage: most demand within --threshold; pmedian: least total demand-weighted travel.
    #[arg(long, value_enum, default_value = "coverage")]
    pub objective: Objective,
    /// Covering threshold, also the unit of p-median travel: `20min` or `1.6km` (default 20min walking, 15min driving).
    #[arg(long)]
    pub threshold: Option<String>,
    /// Candidate sites: `services:library,community_centre`, a CSV file (lon/lat or easting/northing, optional id and name), or `grid:500m`.
    #[arg(long, default_value = "grid:500m")]
    pub candidates: String,
    /// Demand population (default: the one the category serves).
    #[arg(long, value_enum)]
    pub demand: Option<DemandKind>,
    /// Weight demand by the people in need of this indicator (e.g. imd_score), counted as `needmap gaps` counts them.
    #[arg(long, value_name = "INDICATOR")]
    pub need_weight: Option<String>,
    /// Walking or driving times.
    #[arg(long, value_enum, default_value = "walk")]
    pub travel: Travel,
    /// Write the suggestion JSON here (else a text summary on stdout).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the instance (origins, sites, cost pairs) as CSV into DIR for an independent solver.
    #[arg(long, value_name = "DIR", hide = true)]
    pub dump_problem: Option<PathBuf>,
    /// `--scenario ID|FILE`: applied first, its sites are the existing ones.
    #[command(flatten)]
    pub scenario: super::scenario::ScenarioArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &SuggestArgs) -> anyhow::Result<ExitCode> {
    let query = SuggestQuery {
        category: args.category.clone(),
        add: args.add,
        objective: args.objective,
        threshold: args.threshold.as_deref().map(Reach::parse).transpose()?,
        candidates: CandidateSpec::parse(&args.candidates)?,
        demand: args.demand,
        need_weight: args.need_weight.clone(),
        travel: args.travel,
        scenario: None,
    };
    let (engine, scenario) = args.scenario.engine(args.data.load()?)?;
    let query = SuggestQuery { scenario: scenario.map(|s| s.id), ..query };
    let engine = &engine;
    let ctx = GapContext::new(engine, false)?;
    eprintln!("suggest: preparing {} candidates ({}) ...", query.candidates.label(), query.objective.as_str());
    let started = std::time::Instant::now();
    let prepared = suggest::prepare(engine, &ctx, &query)?;
    eprintln!(
        "suggest: {} origins, {} existing site(s), {} candidate(s), {} useful origin-candidate pairs",
        prepared.demand.origins.len(),
        prepared.existing.len(),
        prepared.candidates.sites.len(),
        prepared.problem.pairs.iter().map(Vec::len).sum::<usize>()
    );
    if let Some(dir) = &args.dump_problem {
        prepared.write_csv(engine, dir)?;
        eprintln!("suggest: instance written to {}", dir.display());
    }
    let suggestion = prepared.solve(engine);
    eprintln!("suggest: solved in {:.0} ms ({} swap(s) after greedy)", started.elapsed().as_secs_f64() * 1e3, suggestion.objective.swaps);
    match &args.output {
        Some(path) => {
            let text = serde_json::to_string_pretty(&suggestion)?;
            needmap::export::atomic::write_file(path, true, |w| {
                w.write_all(text.as_bytes())?;
                w.write_all(b"\n")?;
                Ok(())
            })
            .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("suggest: wrote {}", path.display());
        }
        None => print!("{}", summary(&suggestion)),
    }
    for note in &suggestion.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}

fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (k, c) in s.chars().enumerate() {
        if k > 0 && (s.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 && s != "0" {
        format!("-{out}")
    } else {
        out
    }
}

/// The text summary printed without `-o`.
pub fn summary(s: &Suggestion) -> String {
    let o = &s.objective;
    let p = &s.parameters;
    let mut out = format!(
        "{} new {} site(s), objective {} ({}), {} candidates from {}, {} existing site(s) kept\n",
        s.sites.len(),
        p.category,
        p.objective.as_str(),
        o.description,
        p.candidate_count,
        p.candidates,
        p.existing_sites
    );
    let pct = |v: Option<f64>| v.map(|v| format!(" ({:.1}%)", v * 100.0)).unwrap_or_default();
    out += &format!(
        "before: {}{}\nafter:  {} {}{}\n",
        o.before.map(thousands).unwrap_or_else(|| "none (no existing site)".into()),
        pct(o.share_before),
        thousands(o.after),
        o.unit,
        pct(o.share_after)
    );
    for site in &s.sites {
        out += &format!(
            "{:>3}. {}  lon {:.6} lat {:.6}  gain {} {}\n",
            site.rank,
            site.name,
            site.lon,
            site.lat,
            site.gain.map(thousands).unwrap_or_else(|| "-".into()),
            site.gain_unit
        );
    }
    out
}
