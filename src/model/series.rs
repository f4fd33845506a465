//! Series of indicators over time: the editions (vintages) of one measure,
//! such as the IMD of 2015, 2019 and 2025, as the manifest marks them with
//! `series` and `vintage`.

use super::Indicator;
use crate::dataset::IndicatorKind;

/// One series and its vintages, oldest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    /// Series id (`imd`).
    pub id: String,
    /// Editions in order of their vintage.
    pub vintages: Vec<Vintage>,
}

/// One edition of a series: its indicators by kind (engine indicator indices).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Vintage {
    /// As written in the manifest (`2015`).
    pub label: String,
    /// The score indicator of this edition, if any.
    pub score: Option<usize>,
    /// The national decile indicator of this edition, if any.
    pub decile: Option<usize>,
    /// Every indicator of this edition.
    pub indicators: Vec<usize>,
}

impl Series {
    /// The series of `indicators`, in order of first appearance; vintages
    /// sorted by their number ([`crate::dataset::vintage_order`]; the
    /// manifest check refuses vintages that are not numbers).
    pub fn of(indicators: &[Indicator]) -> Vec<Series> {
        let mut out: Vec<Series> = Vec::new();
        for (k, ind) in indicators.iter().enumerate() {
            let Some(sv) = &ind.series else { continue };
            let s = match out.iter_mut().position(|s| s.id == sv.series) {
                Some(i) => &mut out[i],
                None => {
                    out.push(Series { id: sv.series.clone(), vintages: Vec::new() });
                    out.last_mut().expect("just pushed")
                }
            };
            let label = sv.vintage.trim().to_string();
            let v = match s.vintages.iter_mut().position(|v| v.label == label) {
                Some(i) => &mut s.vintages[i],
                None => {
                    s.vintages.push(Vintage { label, score: None, decile: None, indicators: Vec::new() });
                    s.vintages.last_mut().expect("just pushed")
                }
            };
            v.indicators.push(k);
            match ind.kind {
                IndicatorKind::Score if v.score.is_none() => v.score = Some(k),
                IndicatorKind::Decile if v.decile.is_none() => v.decile = Some(k),
                _ => {}
            }
        }
        for s in &mut out {
            s.vintages.sort_by(|a, b| {
                let order = |v: &Vintage| crate::dataset::vintage_order(&v.label).unwrap_or(f64::INFINITY);
                order(a).total_cmp(&order(b)).then_with(|| a.label.cmp(&b.label))
            });
        }
        out
    }

    /// The vintage labelled `label`.
    pub fn vintage(&self, label: &str) -> Option<&Vintage> {
        self.vintages.iter().find(|v| v.label == label.trim())
    }

    /// The vintage labels, oldest first, joined for messages.
    pub fn labels(&self) -> String {
        self.vintages.iter().map(|v| v.label.as_str()).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Direction;
    use crate::model::SeriesVintage;

    fn ind(id: &str, kind: IndicatorKind, series: Option<(&str, &str)>) -> Indicator {
        Indicator {
            id: id.into(),
            label: id.into(),
            unit: String::new(),
            kind,
            direction: Direction::HigherIsWorse,
            weight: "total".into(),
            published_level: "lsoa".into(),
            source_file: "x.csv".into(),
            series: series.map(|(s, v)| SeriesVintage { series: s.into(), vintage: v.into() }),
        }
    }

    #[test]
    fn vintages_sort_by_number_and_kinds_are_found() {
        let inds = vec![
            ind("s2019", IndicatorKind::Score, Some(("imd", "2019"))),
            ind("other", IndicatorKind::Score, None),
            ind("d2025", IndicatorKind::Decile, Some(("imd", "2025"))),
            ind("s2015", IndicatorKind::Score, Some(("imd", "2015"))),
            ind("s2025", IndicatorKind::Score, Some(("imd", "2025"))),
            ind("r2015", IndicatorKind::Rank, Some(("imd", "2015"))),
        ];
        let all = Series::of(&inds);
        assert_eq!(all.len(), 1);
        let s = &all[0];
        assert_eq!(s.labels(), "2015, 2019, 2025");
        assert_eq!(s.vintage("2015").unwrap().score, Some(3));
        assert_eq!(s.vintage("2015").unwrap().decile, None);
        assert_eq!(s.vintage("2015").unwrap().indicators, vec![3, 5]);
        assert_eq!(s.vintage("2025").unwrap().decile, Some(2));
        assert_eq!(s.vintage("2025").unwrap().score, Some(4));
        assert!(s.vintage("2011").is_none());
    }
}
