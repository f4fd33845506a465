//! Name similarity for de-duplication.
//!
//! A name is normalised to a set of tokens: lower case; apostrophes
//! dropped (`Luke's` -> `lukes`); every other character that is not a
//! letter or digit splits tokens; generic words ([`STOP_WORDS`] plus the
//! manifest's `[register.dedupe] stop_words`) dropped, unless nothing else
//! is left. Two names' similarity is the Jaccard index of their token sets,
//! where two tokens match when equal, or when one of at least 5 letters
//! starts the other (`lloyds` / `lloydspharmacy`), or when their
//! Jaro-Winkler similarity (`strsim`) is at least 0.92 and both have 5 or
//! more letters (`bradford` / `bradfrod`). Each token matches at most once.

use std::collections::BTreeSet;

/// Words that say what kind of place it is rather than which one; dropped
/// before comparing names.
pub const STOP_WORDS: &[&str] = &[
    "the", "and", "of", "at", "in", "on", "for", "ltd", "limited", "plc", "llp", "co", "surgery", "surgeries", "medical",
    "centre", "center", "centres", "practice", "health", "healthcare", "pharmacy", "pharmacies", "chemist", "chemists",
    "group", "partnership", "partners", "dr", "drs", "doctor", "doctors", "branch", "clinic", "nhs",
];

/// Jaro-Winkler similarity from which two long tokens count as one.
pub const TOKEN_JARO_WINKLER: f64 = 0.92;

/// The normalised tokens of `name`, without the stop words (all of them
/// when only stop words are left).
pub fn name_tokens(name: &str, extra_stop_words: &[String]) -> BTreeSet<String> {
    let lower = name.to_lowercase().replace(['\'', '’', '`'], "");
    let all: BTreeSet<String> =
        lower.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_string).collect();
    let kept: BTreeSet<String> = all
        .iter()
        .filter(|t| !STOP_WORDS.contains(&t.as_str()) && !extra_stop_words.iter().any(|w| w.eq_ignore_ascii_case(t)))
        .cloned()
        .collect();
    if kept.is_empty() {
        all
    } else {
        kept
    }
}

fn tokens_match(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.chars().count() <= b.chars().count() { (a, b) } else { (b, a) };
    if short.chars().count() >= 5 && long.starts_with(short) {
        return true;
    }
    short.chars().count() >= 5 && strsim::jaro_winkler(a, b) >= TOKEN_JARO_WINKLER
}

/// Similarity of two token sets, 0 to 1 (see the module's rule). The
/// tokens are paired greedily from either side and the better pairing
/// counts, so the measure is symmetric.
pub fn token_similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    one_way(a, b).max(one_way(b, a))
}

fn one_way(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let mut used = vec![false; b.len()];
    let b: Vec<&String> = b.iter().collect();
    let mut matched = 0usize;
    for t in a {
        if let Some(j) = (0..b.len()).find(|&j| !used[j] && tokens_match(t, b[j])) {
            used[j] = true;
            matched += 1;
        }
    }
    matched as f64 / (a.len() + b.len() - matched) as f64
}

/// Similarity of two names.
pub fn name_similarity(a: &str, b: &str, extra_stop_words: &[String]) -> f64 {
    token_similarity(&name_tokens(a, extra_stop_words), &name_tokens(b, extra_stop_words))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sim(a: &str, b: &str) -> f64 {
        name_similarity(a, b, &[])
    }

    #[test]
    fn the_rule_on_examples() {
        assert_eq!(name_tokens("The Ridge Medical Practice", &[]), ["ridge".to_string()].into());
        assert_eq!(name_tokens("St. Luke's Surgery", &[]), ["st".to_string(), "lukes".to_string()].into());
        assert_eq!(name_tokens("The Surgery", &[]).len(), 2, "only stop words: all kept");
        assert_eq!(sim("Boots", "Boots Pharmacy"), 1.0);
        assert_eq!(sim("Lloyds Pharmacy", "LloydsPharmacy"), 1.0);
        assert_eq!(sim("Dr Smith & Partners", "Dr Jones Surgery"), 0.0);
        assert_eq!(sim("Boots", "Boots Kirkgate"), 0.5);
        assert_eq!(sim("Horton Park Surgery", "Parkside Medical Practice"), 0.0, "a 4-letter word does not begin another");
        assert!((sim("Thornbury Medical Centre", "Thornbury Surgery Branch") - 1.0).abs() < 1e-12);
        assert_eq!(sim("Bradford Pharmacy", "Bradfrod Chemists"), 1.0);
        assert_eq!(sim("", ""), 0.0);
        assert_eq!(name_similarity("Asda Pharmacy", "Asda Superstore", &["superstore".into()]), 1.0);
    }

    proptest! {
        #[test]
        fn symmetric_bounded_and_reflexive(a in "[A-Za-z' &.]{0,30}", b in "[A-Za-z' &.]{0,30}") {
            let (ab, ba) = (sim(&a, &b), sim(&b, &a));
            prop_assert!((0.0..=1.0).contains(&ab));
            prop_assert_eq!(ab, ba);
            if !name_tokens(&a, &[]).is_empty() {
                prop_assert_eq!(sim(&a, &a), 1.0);
            }
        }
    }
}
