//! Finding and merging duplicate services (`needmap register dedupe`).
//!
//! A pair of services is a candidate when
//! 1. their categories are the same or listed together under
//!    `[register.dedupe] compatible`, and
//! 2. they are within `radius_m` (default 50 m) of each other, or share a
//!    postcode and are within [`MAX_MERGE_DISTANCE_M`], and
//! 3. their names are similar: [`super::names::name_similarity`] at least
//!    `min_similarity` (default 0.5).
//!
//! Candidates are merged into groups strongest first (most similar, then
//! nearest); two groups join only when every pair of their members is
//! within [`MAX_MERGE_DISTANCE_M`] and of compatible categories, so no
//! chain of candidates ever merges two services more than 200 m apart.
//! Each group keeps the member with most fields filled (the first added on
//! a tie); the merged row keeps every member's source records.

use std::collections::{BTreeSet, HashMap};

use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::names::{name_tokens, token_similarity};
use super::record::RegisteredService;
use super::{Register, RegisterError};
use crate::dataset::DedupeSpec;
use crate::report::{Cell, Report};

/// No two services farther apart than this are ever merged, whatever
/// their names and postcodes.
pub const MAX_MERGE_DISTANCE_M: f64 = 200.0;

/// The duplicate rule, from `[register.dedupe]`.
#[derive(Debug, Clone)]
pub struct DedupeRule {
    pub radius_m: f64,
    pub min_similarity: f64,
    /// Groups of category ids that may hold the same place.
    pub compatible: Vec<BTreeSet<String>>,
    pub stop_words: Vec<String>,
}

impl DedupeRule {
    /// The rule of a manifest's `[register.dedupe]` (its defaults when absent).
    pub fn from_spec(spec: &DedupeSpec) -> DedupeRule {
        DedupeRule {
            radius_m: spec.radius_m.min(MAX_MERGE_DISTANCE_M),
            min_similarity: spec.min_similarity,
            compatible: spec.compatible.iter().map(|g| g.iter().cloned().collect()).collect(),
            stop_words: spec.stop_words.clone(),
        }
    }

    /// Whether services of categories `a` and `b` may be one place.
    pub fn categories_compatible(&self, a: &str, b: &str) -> bool {
        a == b || self.compatible.iter().any(|g| g.contains(a) && g.contains(b))
    }
}

impl Default for DedupeRule {
    fn default() -> Self {
        DedupeRule::from_spec(&DedupeSpec::default())
    }
}

/// A pair of services that may be one (indexes into the list searched).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub a: usize,
    pub b: usize,
    pub distance_m: f64,
    pub same_postcode: bool,
    pub similarity: f64,
}

/// A set of services to merge into one.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeGroup {
    /// The member whose row is kept.
    pub kept: usize,
    /// Every member, `kept` included, in list order.
    pub members: Vec<usize>,
}

fn distance(a: &RegisteredService, b: &RegisteredService) -> f64 {
    (a.easting - b.easting).hypot(a.northing - b.northing)
}

/// Every candidate pair of `services` under `rule`, `a < b`, in order.
pub fn find_candidates(services: &[RegisteredService], rule: &DedupeRule) -> Vec<Candidate> {
    let tree = RTree::bulk_load(
        services.iter().enumerate().map(|(i, s)| GeomWithData::new([s.easting, s.northing], i)).collect(),
    );
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (i, s) in services.iter().enumerate() {
        for near in tree.locate_within_distance([s.easting, s.northing], rule.radius_m * rule.radius_m) {
            if near.data > i {
                pairs.insert((i, near.data));
            }
        }
    }
    let mut by_postcode: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in services.iter().enumerate() {
        if let Some(p) = s.postcode.as_deref().filter(|p| !p.is_empty()) {
            by_postcode.entry(p).or_default().push(i);
        }
    }
    for members in by_postcode.values() {
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                pairs.insert((i.min(j), i.max(j)));
            }
        }
    }
    let tokens: Vec<BTreeSet<String>> = services.iter().map(|s| name_tokens(&s.name, &rule.stop_words)).collect();
    pairs
        .into_iter()
        .filter_map(|(a, b)| {
            let (sa, sb) = (&services[a], &services[b]);
            if !rule.categories_compatible(&sa.category, &sb.category) {
                return None;
            }
            let d = distance(sa, sb);
            let same_postcode = sa.postcode.is_some() && sa.postcode == sb.postcode;
            if d > MAX_MERGE_DISTANCE_M || (d > rule.radius_m && !same_postcode) {
                return None;
            }
            let similarity = token_similarity(&tokens[a], &tokens[b]);
            (similarity >= rule.min_similarity).then_some(Candidate { a, b, distance_m: d, same_postcode, similarity })
        })
        .collect()
}

/// The groups the candidates merge into (see the module's rule).
pub fn merge_groups(services: &[RegisteredService], candidates: &[Candidate], rule: &DedupeRule) -> Vec<MergeGroup> {
    let mut order: Vec<&Candidate> = candidates.iter().collect();
    order.sort_by(|x, y| y.similarity.total_cmp(&x.similarity).then(x.distance_m.total_cmp(&y.distance_m)).then((x.a, x.b).cmp(&(y.a, y.b))));
    // group[i]: the group id of service i; members[g]: its services.
    let mut group: Vec<usize> = (0..services.len()).collect();
    let mut members: Vec<Vec<usize>> = (0..services.len()).map(|i| vec![i]).collect();
    for c in order {
        let (ga, gb) = (group[c.a], group[c.b]);
        if ga == gb {
            continue;
        }
        let fits = members[ga].iter().all(|&i| {
            members[gb].iter().all(|&j| {
                distance(&services[i], &services[j]) <= MAX_MERGE_DISTANCE_M
                    && rule.categories_compatible(&services[i].category, &services[j].category)
            })
        });
        if !fits {
            continue;
        }
        let moved = std::mem::take(&mut members[gb]);
        for &j in &moved {
            group[j] = ga;
        }
        members[ga].extend(moved);
    }
    let mut out: Vec<MergeGroup> = members
        .into_iter()
        .filter(|m| m.len() > 1)
        .map(|mut m| {
            m.sort_unstable();
            let kept = *m.iter().max_by(|&&x, &&y| services[x].filled().cmp(&services[y].filled()).then(y.cmp(&x))).expect("two or more");
            MergeGroup { kept, members: m }
        })
        .collect();
    out.sort_by_key(|g| g.members[0]);
    out
}

/// The row a group merges into: the kept row, with every member's source
/// records (the kept row's first) and the empty optional fields filled from
/// the other members in list order.
pub fn merged_service(services: &[RegisteredService], group: &MergeGroup) -> RegisteredService {
    let mut out = services[group.kept].clone();
    for &i in &group.members {
        if i == group.kept {
            continue;
        }
        let other = &services[i];
        for record in &other.source_ids {
            if !out.source_ids.contains(record) {
                out.source_ids.push(record.clone());
            }
        }
        let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
            if mine.as_deref().is_none_or(str::is_empty) {
                mine.clone_from(theirs);
            }
        };
        fill(&mut out.postcode, &other.postcode);
        fill(&mut out.subcategory, &other.subcategory);
        fill(&mut out.status, &other.status);
        fill(&mut out.opening_hours, &other.opening_hours);
        fill(&mut out.contact, &other.contact);
        fill(&mut out.partner, &other.partner);
        if out.capacity.is_none() {
            out.capacity = other.capacity;
        }
    }
    out
}

/// The candidates side by side, one row per pair, with the decision.
pub fn candidates_report(services: &[RegisteredService], candidates: &[Candidate], groups: &[MergeGroup]) -> Report {
    let mut columns = vec!["group".to_string()];
    for side in ["a", "b"] {
        for f in ["id", "name", "category", "source", "postcode"] {
            columns.push(format!("{side}_{f}"));
        }
    }
    columns.extend(["distance_m", "same_postcode", "similarity", "decision"].map(String::from));
    let group_of = |i: usize| groups.iter().position(|g| g.members.contains(&i));
    let text = |v: &str| Cell::Text(Some(v.to_string()));
    let rows = candidates
        .iter()
        .map(|c| {
            let (a, b) = (&services[c.a], &services[c.b]);
            let (ga, gb) = (group_of(c.a), group_of(c.b));
            let decision = match (ga, gb) {
                (Some(x), Some(y)) if x == y => format!("merge into {}", services[groups[x].kept].id),
                _ => format!("keep both: merging would join services more than {MAX_MERGE_DISTANCE_M} m apart or of incompatible categories"),
            };
            let mut row = vec![ga.filter(|g| Some(*g) == gb).map(|g| Cell::Count(g as u64 + 1)).unwrap_or(Cell::Text(None))];
            for s in [a, b] {
                row.extend([text(&s.id), text(&s.name), text(&s.category), text(&s.source), Cell::Text(s.postcode.clone())]);
            }
            row.extend([
                Cell::Number(Some((c.distance_m * 10.0).round() / 10.0)),
                text(if c.same_postcode { "yes" } else { "no" }),
                Cell::Number(Some((c.similarity * 1000.0).round() / 1000.0)),
                text(&decision),
            ]);
            row
        })
        .collect();
    Report { columns, rows }
}

/// What `dedupe` found and (with `apply`) did.
#[derive(Debug, Clone)]
pub struct DedupeOutcome {
    pub services: Vec<RegisteredService>,
    pub candidates: Vec<Candidate>,
    pub groups: Vec<MergeGroup>,
    /// Services removed by merging (0 unless applied).
    pub removed: usize,
}

impl Register {
    /// Find duplicates; with `apply`, merge each group in its own
    /// transaction, recording the decision in the audit log as `who`.
    pub fn dedupe(&mut self, rule: &DedupeRule, apply: bool, who: &str) -> Result<DedupeOutcome, RegisterError> {
        let services = self.services()?;
        let candidates = find_candidates(&services, rule);
        let groups = merge_groups(&services, &candidates, rule);
        let mut removed = 0;
        if apply {
            for g in &groups {
                let kept = merged_service(&services, g);
                let others: Vec<String> = g.members.iter().filter(|&&i| i != g.kept).map(|&i| services[i].id.clone()).collect();
                let why: Vec<String> = candidates
                    .iter()
                    .filter(|c| g.members.contains(&c.a) && g.members.contains(&c.b))
                    .map(|c| format!("{} ~ {}: {:.0} m{}, name similarity {:.2}", services[c.a].id, services[c.b].id, c.distance_m, if c.same_postcode { ", same postcode" } else { "" }, c.similarity))
                    .collect();
                let note = format!("duplicates merged into {} (rule: radius {} m, similarity >= {}): {}", kept.id, rule.radius_m, rule.min_similarity, why.join("; "));
                self.merge(&kept, &others, who, &note)?;
                removed += others.len();
            }
        }
        Ok(DedupeOutcome { services, candidates, groups, removed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::record::{LocatedBy, SourceRecord};
    use proptest::prelude::*;

    fn service(i: usize, name: &str, category: &str, x: f64, y: f64, postcode: Option<&str>) -> RegisteredService {
        RegisteredService {
            id: format!("s{i}"),
            name: name.into(),
            category: category.into(),
            subcategory: None,
            tier: "1".into(),
            capacity: None,
            status: None,
            postcode: postcode.map(String::from),
            located_by: LocatedBy::Coordinates,
            lon: 0.0,
            lat: 0.0,
            easting: x,
            northing: y,
            source: if i.is_multiple_of(2) { "osm" } else { "nhs" }.into(),
            source_file: "t.csv".into(),
            source_ids: vec![SourceRecord { id: format!("s{i}"), source: "t".into(), source_id: Some(format!("x{i}")) }],
            opening_hours: None,
            contact: None,
            partner: None,
            created: String::new(),
            updated: String::new(),
        }
    }

    #[test]
    fn finds_near_and_same_postcode_pairs_with_similar_names() {
        let s = vec![
            service(0, "Boots", "pharmacy", 0.0, 0.0, None),
            service(1, "Boots Pharmacy", "pharmacy", 30.0, 0.0, None),
            service(2, "Boots", "gp", 10.0, 0.0, None),
            service(3, "Ridge Medical Practice", "gp", 1000.0, 0.0, Some("BD5 7AA")),
            service(4, "The Ridge Surgery", "gp", 1150.0, 0.0, Some("BD5 7AA")),
            service(5, "Ridge", "gp", 1400.0, 0.0, Some("BD5 7AA")),
            service(6, "Superdrug", "pharmacy", 20.0, 0.0, None),
        ];
        let rule = DedupeRule::default();
        let c = find_candidates(&s, &rule);
        let pairs: Vec<(usize, usize)> = c.iter().map(|c| (c.a, c.b)).collect();
        assert_eq!(pairs, vec![(0, 1), (3, 4)], "{c:?}");
        assert!(c[1].same_postcode && c[1].distance_m == 150.0);
        let g = merge_groups(&s, &c, &rule);
        assert_eq!(g.len(), 2);
        let rule = DedupeRule { compatible: vec![["gp".to_string(), "pharmacy".to_string()].into()], ..DedupeRule::default() };
        let pairs: Vec<(usize, usize)> = find_candidates(&s, &rule).iter().map(|c| (c.a, c.b)).collect();
        assert_eq!(pairs, vec![(0, 1), (0, 2), (1, 2), (3, 4)]);
    }

    #[test]
    fn a_chain_never_joins_services_over_200_m_apart() {
        // Same postcode along a line 150 m apart: 0-1 and 1-2 are
        // candidates, but 0 and 2 are 300 m apart.
        let s: Vec<RegisteredService> = (0..3).map(|i| service(i, "Moor Surgery", "gp", 150.0 * i as f64, 0.0, Some("BD1 1AA"))).collect();
        let rule = DedupeRule::default();
        let c = find_candidates(&s, &rule);
        assert_eq!(c.len(), 2);
        let g = merge_groups(&s, &c, &rule);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].members.len(), 2);
    }

    fn arb_services() -> impl Strategy<Value = Vec<RegisteredService>> {
        let names = prop::sample::select(vec!["Boots", "Boots Pharmacy", "Moor Surgery", "The Moor Medical Centre", "Lloyds", "Park Lane", "Park Lane Surgery"]);
        let cats = prop::sample::select(vec!["gp", "pharmacy"]);
        let postcodes = prop::sample::select(vec![None, Some("BD1 1AA"), Some("BD2 2BB")]);
        prop::collection::vec((names, cats, 0.0f64..600.0, 0.0f64..300.0, postcodes), 0..25).prop_map(|v| {
            v.into_iter().enumerate().map(|(i, (n, c, x, y, p))| service(i, n, c, x, y, p)).collect()
        })
    }

    proptest! {
        #[test]
        fn merges_never_span_200_m_and_keep_every_source_record(s in arb_services()) {
            let rule = DedupeRule { compatible: vec![["gp".to_string(), "pharmacy".to_string()].into()], ..DedupeRule::default() };
            let c = find_candidates(&s, &rule);
            let groups = merge_groups(&s, &c, &rule);
            let mut seen = BTreeSet::new();
            for g in &groups {
                for &i in &g.members {
                    prop_assert!(seen.insert(i), "a service in two groups");
                    for &j in &g.members {
                        prop_assert!(distance(&s[i], &s[j]) <= MAX_MERGE_DISTANCE_M);
                    }
                }
                let merged = merged_service(&s, g);
                prop_assert_eq!(&merged.id, &s[g.kept].id);
                let want: BTreeSet<&SourceRecord> = g.members.iter().flat_map(|&i| &s[i].source_ids).collect();
                let got: BTreeSet<&SourceRecord> = merged.source_ids.iter().collect();
                prop_assert_eq!(got, want);
                prop_assert_eq!(merged.source_ids.len(), g.members.len());
            }
            for cand in &c {
                prop_assert!(cand.distance_m <= MAX_MERGE_DISTANCE_M);
                prop_assert!(cand.distance_m <= rule.radius_m || cand.same_postcode);
            }
        }
    }
}
