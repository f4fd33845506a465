//! The register's rows as the engine's services (when the manifest names
//! a `[register]`), checked against the manifest's categories and tiers as
//! service files are.

use std::collections::BTreeMap;

use crate::dataset::Manifest;
use crate::engine::{checked_tier, UNCLASSIFIED_TIER};
use crate::load::Diagnostics;
use crate::model::{Category, Service};

use super::{Register, RegisterError};

impl Register {
    /// Every service of the register as an engine [`Service`]: the
    /// category's tier, partner and capacity fill what a row leaves empty;
    /// rows of a category the manifest does not list are kept as
    /// `unclassified`, with one warning per category.
    pub fn engine_services(
        &self,
        manifest: &Manifest,
        categories: &BTreeMap<String, Category>,
        diags: &mut Diagnostics,
    ) -> Result<Vec<Service>, RegisterError> {
        let file = crate::load::display_name(self.path());
        let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
        let mut out = Vec::new();
        for r in self.services()? {
            let cat = categories.get(&r.category);
            if cat.is_none() {
                *unknown.entry(r.category.clone()).or_default() += 1;
            }
            let at = format!("service {}", r.id);
            let tier = checked_tier(&r.tier, &manifest.tiers, cat, &file, &at, diags);
            let capacity = match r.capacity {
                Some(c) if c.is_finite() && c >= 0.0 => c,
                Some(c) => {
                    diags.warn(&file, at.clone(), format!("capacity {c} is not a number of 0 or more; the category's default is used"));
                    cat.map(|c| c.capacity).unwrap_or(1.0)
                }
                None => cat.map(|c| c.capacity).unwrap_or(1.0),
            };
            out.push(Service {
                name: r.name,
                subcategory: r.subcategory.unwrap_or_default(),
                partner: r.partner.or_else(|| cat.and_then(|c| c.partner.clone())),
                status: r.status,
                sensitive: cat.is_some_and(|c| c.sensitive),
                tier,
                capacity,
                wgs84: geo::Coord { x: r.lon, y: r.lat },
                bng: geo::Coord { x: r.easting, y: r.northing },
                source_file: r.source_file,
                areas: Vec::new(),
                category: r.category,
                id: r.id,
            });
        }
        for (category, n) in unknown {
            diags.warn(
                &file,
                "",
                format!("{n} service(s) have category `{category}`, which has no entry under [categories]; they are kept with tier `{UNCLASSIFIED_TIER}`. Add the category to dataset.toml"),
            );
        }
        Ok(out)
    }
}
