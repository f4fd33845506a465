//! The committee summary of a comparison as a table for the printed map
//! ([`crate::print::SummaryTable`]), and the sentences the table does not
//! say (areas named, over-subscribed services), for the notes.
//!
//! Two sections: reach by threshold (residents and children newly within
//! and no longer within each threshold, and the gain split by national
//! deprivation decile in pairs: 1-2, 3-4, 5-6, 7-8, 9-10, then any origin
//! with no decile), and baseline / scenario / change of unmet need, the
//! high-need/low-access areas and the share of the served population within
//! each threshold. Counts carry thousands separators; changes are signed
//! with `+` and `−` (U+2212).

use super::compare::Comparison;
use super::summary::{area_sentences, status_sentence, thousands, DecileReach, Summary, ThresholdChange};
use crate::engine::Engine;
use crate::print::{SummaryTable, TableRow, TableSection};

/// What a printed map carries for a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintedSummary {
    pub table: SummaryTable,
    /// The summary's sentences that the table does not say.
    pub notes: Vec<String>,
}

/// A change with its sign: `+1,234`, `−56`, `0`.
///
/// ```
/// use needmap::scenario::signed;
/// assert_eq!(signed(1234.4), "+1,234");
/// assert_eq!(signed(-56.0), "\u{2212}56");
/// assert_eq!(signed(-0.2), "0");
/// ```
pub fn signed(v: f64) -> String {
    let r = v.round();
    if r > 0.0 {
        format!("+{}", thousands(r))
    } else if r < 0.0 {
        format!("\u{2212}{}", thousands(-r))
    } else {
        "0".into()
    }
}

/// `800m` -> `800 m`, `1600m` -> `1.6 km`, `10min` -> `10 min` (other labels unchanged).
///
/// ```
/// use needmap::scenario::threshold_words;
/// assert_eq!(threshold_words("800m"), "800 m");
/// assert_eq!(threshold_words("1600m"), "1.6 km");
/// assert_eq!(threshold_words("10min"), "10 min");
/// ```
pub fn threshold_words(label: &str) -> String {
    if let Some(n) = label.strip_suffix("min") {
        return format!("{n} min");
    }
    match label.strip_suffix('m').and_then(|n| n.parse::<f64>().ok()) {
        Some(m) if m >= 1000.0 => format!("{} km", crate::print::classes::format_number(m / 1000.0)),
        Some(m) => format!("{} m", crate::print::classes::format_number(m)),
        None => label.to_string(),
    }
}

fn count(v: Option<f64>) -> String {
    v.map(thousands).unwrap_or_else(|| "n/a".into())
}

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}", v * 100.0)).unwrap_or_else(|| "n/a".into())
}

/// Deciles in pairs, most deprived first.
const DECILE_GROUPS: [(u8, u8, &str); 5] =
    [(1, 2, " (most deprived)"), (3, 4, ""), (5, 6, ""), (7, 8, ""), (9, 10, " (least deprived)")];

fn gained_in(by: &[DecileReach], within: impl Fn(Option<u8>) -> bool) -> f64 {
    by.iter().filter(|d| within(d.decile)).map(|d| d.reach.gained_population).sum()
}

/// The table and notes of `comparison` for scenario `name` on `engine`
/// (the baseline: labels of the level, category and equity indicator).
pub fn printed_summary(engine: &Engine, name: &str, comparison: &Comparison) -> PrintedSummary {
    let s = &comparison.summary;
    let labels = Labels {
        level_plural: engine.level(&s.level).map(|l| l.plural_name()).unwrap_or_else(|| s.level.clone()),
        category: s
            .category
            .as_ref()
            .map(|c| engine.categories.get(c).map(|c| c.label.clone()).unwrap_or_else(|| c.clone()))
            .unwrap_or_else(|| "the chosen services".into()),
        decile: s
            .equity_indicator
            .as_ref()
            .and_then(|id| engine.indicator_index(id))
            // `IMD 2025 national decile (1 = most deprived 10%)` -> `IMD 2025 national decile`.
            .map(|k| engine.indicators[k].label.split('(').next().unwrap_or("").trim().to_string())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "national deprivation decile".into()),
    };
    build(s, name, &labels)
}

/// The words of the dataset the table uses.
struct Labels {
    /// `wards`.
    level_plural: String,
    /// `Family hubs`.
    category: String,
    /// Label of the equity indicator (`IMD 2025 decile`).
    decile: String,
}

fn method_words(method: &str) -> String {
    match method {
        "nearest" => "nearest-site".into(),
        m => m.to_uppercase(),
    }
}

fn build(s: &Summary, name: &str, labels: &Labels) -> PrintedSummary {
    let level_plural = &labels.level_plural;
    let title = format!("Scenario \u{201c}{name}\u{201d} against the baseline: {} ({} access)", labels.category, method_words(&s.method));

    // ---- reach by threshold
    let thresholds: Vec<String> = s.thresholds.iter().map(|t| threshold_words(&t.threshold)).collect();
    let per = |f: &dyn Fn(&ThresholdChange) -> f64| s.thresholds.iter().map(f).map(signed).collect::<Vec<_>>();
    let mut rows = vec![
        TableRow::new("Residents newly within", per(&|t| t.reach.gained_population)),
        TableRow::indented("of whom children", per(&|t| t.reach.gained_children)),
        TableRow::new("Residents no longer within", per(&|t| -t.reach.lost_population)),
        TableRow::indented("of whom children", per(&|t| -t.reach.lost_children)),
    ];
    if s.equity_indicator.is_some() && s.thresholds.iter().any(|t| !t.by_decile.is_empty()) {
        rows.push(TableRow::new(format!("Newly within, by {}:", lower_first(&labels.decile)), Vec::new()));
        for (lo, hi, words) in DECILE_GROUPS {
            let cells = per(&|t| gained_in(&t.by_decile, |d| d.is_some_and(|d| (lo..=hi).contains(&d))));
            rows.push(TableRow::indented(format!("deciles {lo}-{hi}{words}"), cells));
        }
        if s.thresholds.iter().any(|t| gained_in(&t.by_decile, |d| d.is_none()) > 0.5) {
            rows.push(TableRow::indented("decile not known", per(&|t| gained_in(&t.by_decile, |d| d.is_none()))));
        }
    }
    let reach = TableSection { heading: "People (by distance or time)".into(), columns: thresholds.clone(), rows };

    // ---- baseline, scenario, change
    let u = &s.unmet_need;
    let mut rows = vec![
        TableRow::new("Unmet need (people)", vec![count(u.baseline), count(u.scenario), u.change.map(signed).unwrap_or_else(|| "n/a".into())]),
        TableRow::new(
            format!("High-need/low-access {level_plural}"),
            vec![s.gap_areas[0].to_string(), s.gap_areas[1].to_string(), signed(s.gap_areas[1] as f64 - s.gap_areas[0] as f64)],
        ),
    ];
    for (t, words) in s.thresholds.iter().zip(&thresholds) {
        let change = t.share.change.map(|c| {
            let pts = c * 100.0;
            if pts.abs() < 0.05 {
                "0.0".to_string()
            } else {
                format!("{}{:.1}", if pts > 0.0 { "+" } else { "\u{2212}" }, pts.abs())
            }
        });
        rows.push(TableRow::new(
            format!("Served population within {words} (%)"),
            vec![percent(t.share.baseline), percent(t.share.scenario), change.unwrap_or_else(|| "n/a".into())],
        ));
    }
    let totals = TableSection { heading: String::new(), columns: vec!["Baseline".into(), "Scenario".into(), "Change".into()], rows };

    let mut notes = vec![status_sentence(s, level_plural)];
    notes.extend(area_sentences(s, level_plural));
    PrintedSummary { table: SummaryTable { title, sections: vec![reach, totals] }, notes }
}

/// `IMD 2025 decile` stays; `Income decile` -> `income decile`.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.clone().next()) {
        (Some(f), Some(second)) if second.is_lowercase() => f.to_lowercase().collect::<String>() + c.as_str(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{AreaNote, Delta, Reach};

    fn reach(gained: f64, lost: f64) -> Reach {
        Reach { gained_population: gained, lost_population: lost, gained_children: gained / 4.0, lost_children: lost / 4.0 }
    }

    fn summary() -> Summary {
        let by = |d: Option<u8>, g: f64| DecileReach { decile: d, reach: reach(g, 0.0) };
        Summary {
            level: "ward".into(),
            origin_level: "oa".into(),
            category: Some("family_hub".into()),
            method: "2sfca".into(),
            thresholds: vec![
                ThresholdChange {
                    threshold: "800m".into(),
                    reach: reach(1234.0, 56.0),
                    share: Delta::new(Some(0.451), Some(0.472)),
                    by_decile: vec![by(Some(1), 1000.0), by(Some(2), 100.0), by(Some(7), 134.0)],
                },
                ThresholdChange {
                    threshold: "1600m".into(),
                    reach: reach(12000.0, 0.0),
                    share: Delta::new(Some(0.8), Some(0.8)),
                    by_decile: vec![by(Some(10), 11000.0), by(None, 1000.0)],
                },
            ],
            equity_indicator: Some("imd2025_decile".into()),
            unmet_need: Delta::new(Some(15000.0), Some(13500.0)),
            gap_areas: [5, 4],
            improved: 3,
            worse: 0,
            unchanged: 27,
            most_improved: vec![AreaNote { code: "E1".into(), name: "Bowling".into(), unmet_need: Delta::new(Some(10.0), Some(2.0)), access: Delta::new(None, None) }],
            worse_areas: vec![],
            oversubscribed: vec![],
            sentences: vec![],
            notes: vec![],
        }
    }

    fn labels() -> Labels {
        Labels { level_plural: "wards".into(), category: "Family hubs".into(), decile: "IMD 2025 national decile".into() }
    }

    fn row<'a>(t: &'a TableSection, label: &str) -> &'a TableRow {
        t.rows.iter().find(|r| r.label == label).unwrap_or_else(|| panic!("no row `{label}` in {t:?}"))
    }

    #[test]
    fn the_table_has_reach_by_threshold_deciles_in_pairs_and_signed_changes() {
        let p = build(&summary(), "Extra hub", &labels());
        let t = &p.table;
        assert_eq!(t.title, "Scenario \u{201c}Extra hub\u{201d} against the baseline: Family hubs (2SFCA access)");
        let (reach, totals) = (&t.sections[0], &t.sections[1]);
        assert_eq!(reach.columns, ["800 m", "1.6 km"]);
        assert_eq!(row(reach, "Residents newly within").cells, ["+1,234", "+12,000"]);
        assert_eq!(row(reach, "Residents no longer within").cells, ["\u{2212}56", "0"]);
        assert_eq!(reach.rows[1].label, "of whom children");
        assert_eq!(reach.rows[1].cells, ["+309", "+3,000"]);
        assert!(reach.rows[1].indent);
        assert!(reach.rows.iter().any(|r| r.label == "Newly within, by IMD 2025 national decile:" && r.cells.is_empty()));
        assert_eq!(row(reach, "deciles 1-2 (most deprived)").cells, ["+1,100", "0"]);
        assert_eq!(row(reach, "deciles 7-8").cells, ["+134", "0"]);
        assert_eq!(row(reach, "deciles 9-10 (least deprived)").cells, ["0", "+11,000"]);
        assert_eq!(row(reach, "decile not known").cells, ["0", "+1,000"]);
        assert_eq!(totals.columns, ["Baseline", "Scenario", "Change"]);
        assert_eq!(row(totals, "Unmet need (people)").cells, ["15,000", "13,500", "\u{2212}1,500"]);
        assert_eq!(row(totals, "High-need/low-access wards").cells, ["5", "4", "\u{2212}1"]);
        assert_eq!(row(totals, "Served population within 800 m (%)").cells, ["45.1", "47.2", "+2.1"]);
        assert_eq!(row(totals, "Served population within 1.6 km (%)").cells, ["80.0", "80.0", "0.0"]);
        // The notes keep what the table does not say.
        assert_eq!(p.notes[0], "3 wards improve, 0 get worse, 27 are unchanged.");
        assert!(p.notes.iter().any(|n| n.starts_with("Most improved: Bowling (unmet need -8)")), "{:?}", p.notes);
        assert!(!p.notes.iter().any(|n| n.contains("Unmet need") && n.contains("from")), "{:?}", p.notes);
    }

    #[test]
    fn without_an_equity_indicator_there_is_no_decile_split() {
        let mut s = summary();
        s.equity_indicator = None;
        s.unmet_need = Delta::new(None, None);
        s.method = "nearest".into();
        let p = build(&s, "x", &labels());
        assert!(p.table.sections[0].rows.iter().all(|r| !r.label.contains("decile")));
        assert_eq!(row(&p.table.sections[1], "Unmet need (people)").cells, ["n/a", "n/a", "n/a"]);
        assert!(p.table.title.ends_with("(nearest-site access)"));
    }
}
