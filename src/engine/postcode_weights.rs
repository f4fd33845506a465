//! `weights = "postcodes"` while apportioning: the postcode units of the
//! `[postcodes]` file located in every level once, and the overlays of the
//! tables that ask for it re-weighted by them (see
//! [`crate::analyse::postcode_weighted`]).

use std::collections::HashMap;

use super::build::OverlayCache;
use super::postcode_units::PostcodeUnits;
use crate::analyse::{postcode_weighted, Overlay};
use crate::load::Diagnostics;
use crate::model::Level;

/// The postcode units placed in every level and the postcode-weighted
/// overlays made so far.
pub struct PostcodeWeights<'u> {
    units: &'u PostcodeUnits,
    overlays: HashMap<(usize, usize), Overlay>,
}

impl<'u> PostcodeWeights<'u> {
    pub fn new(units: &'u PostcodeUnits) -> PostcodeWeights<'u> {
        PostcodeWeights { units, overlays: HashMap::new() }
    }

    /// The overlay `s -> t` weighted by postcode units, made on first use;
    /// what it found is noted in `diags` (units outside every piece of their
    /// source area are listed one by one).
    pub fn overlay(
        &mut self,
        levels: &[Level],
        cache: &mut OverlayCache,
        s: usize,
        t: usize,
        diags: &mut Diagnostics,
    ) -> &Overlay {
        if !self.overlays.contains_key(&(s, t)) {
            let area = cache.get(levels, s, t).clone();
            let overlay = if s == t {
                area
            } else {
                let (sources, targets) = (&self.units.areas[s], &self.units.areas[t]);
                let located: Vec<_> = sources.iter().copied().zip(targets.iter().copied()).collect();
                let w = postcode_weighted(&area, &located, levels[s].len());
                let (sl, tl) = (&levels[s], &levels[t]);
                for &k in &w.outside {
                    let (code, c) = (&self.units.codes[k], self.units.points[k].bng);
                    let src = sources[k].map_or("", |a| sl.areas[a].code.as_str());
                    let why = match targets[k] {
                        None => format!("outside every {} area", tl.id),
                        Some(a) => format!("in {} {}, which overlaps it only in a sliver under 1 m²", tl.id, tl.areas[a].code),
                    };
                    diags.skip(
                        &self.units.file,
                        format!("postcode {code}"),
                        format!(
                            "({:.0}, {:.0}) lies in {} {src} but {why}; not counted in the {} -> {} postcode weights",
                            c.x, c.y, sl.id, sl.id, tl.id
                        ),
                    );
                }
                let st = w.stats;
                diags.note(
                    &self.units.file,
                    format!("weights {} -> {}", sl.id, tl.id),
                    format!(
                        "postcode weights: {} of {} postcode units lie in a {} area ({} in its pieces, {} outside every piece and not counted); {} {} areas are split by their units, {} have none and keep area shares",
                        st.units,
                        self.units.len(),
                        sl.id,
                        st.in_pieces,
                        st.outside_pieces,
                        st.weighted,
                        sl.id,
                        st.area_fallback
                    ),
                );
                w.overlay
            };
            self.overlays.insert((s, t), overlay);
        }
        &self.overlays[&(s, t)]
    }
}
