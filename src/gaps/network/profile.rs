//! Which OpenStreetMap ways can be walked or driven, how fast, which way.
//!
//! Walking: every `highway` except motorways, construction and proposed
//! roads, at 4.8 km/h (steps 2.4 km/h), both directions; `foot=no|private`,
//! or `access=no|private` without `foot=yes|designated|permissive`, excludes.
//! Driving: road classes only (no footway, path, cycleway, steps, track,
//! pedestrian, bridleway) at `maxspeed` when tagged (km/h, or `mph`), else a
//! class default (motorway 100, trunk 80, primary 55, secondary 45,
//! tertiary 40, unclassified 30, residential 25, service 15, living street
//! 10 km/h; links slower); `oneway=yes|true|1|-1`, roundabouts and motorways
//! are one-way; `access`, `vehicle`, `motor_vehicle`, `motorcar` = `no` or
//! `private` exclude unless a later of those says `yes|designated|permissive|destination`.

/// How a way may be used: speed (km/h) and allowed directions along the
/// node order (`forward`) and against it (`backward`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WayUse {
    pub kmh: f64,
    pub forward: bool,
    pub backward: bool,
}

fn tag<'a>(tags: &'a [(&str, &str)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

const DENY: [&str; 2] = ["no", "private"];
const ALLOW: [&str; 4] = ["yes", "designated", "permissive", "destination"];

/// Walking use of a way with these tags, or `None` if it cannot be walked.
pub fn walk(tags: &[(&str, &str)]) -> Option<WayUse> {
    let hw = tag(tags, "highway")?;
    if matches!(hw, "motorway" | "motorway_link" | "construction" | "proposed" | "abandoned" | "platform" | "raceway" | "bus_guideway" | "elevator" | "services" | "rest_area") {
        return None;
    }
    if tag(tags, "area") == Some("yes") && hw != "pedestrian" {
        return None;
    }
    let foot = tag(tags, "foot");
    if foot.is_some_and(|f| DENY.contains(&f)) {
        return None;
    }
    if tag(tags, "access").is_some_and(|a| DENY.contains(&a)) && !foot.is_some_and(|f| ALLOW.contains(&f)) {
        return None;
    }
    let kmh = if hw == "steps" { super::super::WALK_SPEED_KMH / 2.0 } else { super::super::WALK_SPEED_KMH };
    Some(WayUse { kmh, forward: true, backward: true })
}

fn class_speed(hw: &str) -> Option<f64> {
    Some(match hw {
        "motorway" => 100.0,
        "motorway_link" => 60.0,
        "trunk" => 80.0,
        "trunk_link" => 50.0,
        "primary" => 55.0,
        "primary_link" => 40.0,
        "secondary" => 45.0,
        "secondary_link" => 35.0,
        "tertiary" => 40.0,
        "tertiary_link" => 30.0,
        "unclassified" | "road" => 30.0,
        "residential" => 25.0,
        "service" => 15.0,
        "living_street" => 10.0,
        _ => return None,
    })
}

/// `30 mph` -> 48.28, `50` -> 50; `None` for `signals`, `none`, ...
pub fn parse_maxspeed(v: &str) -> Option<f64> {
    let v = v.trim();
    let (num, mph) = match v.strip_suffix("mph") {
        Some(n) => (n.trim(), true),
        None => (v.strip_suffix("km/h").unwrap_or(v).trim(), false),
    };
    let n: f64 = num.parse().ok().filter(|n: &f64| n.is_finite() && *n > 0.0)?;
    Some(if mph { n * 1.609344 } else { n })
}

/// Driving use of a way with these tags, or `None` if it cannot be driven.
pub fn drive(tags: &[(&str, &str)]) -> Option<WayUse> {
    let hw = tag(tags, "highway")?;
    let default = class_speed(hw)?;
    if tag(tags, "area") == Some("yes") {
        return None;
    }
    let mut allowed = true;
    for key in ["access", "vehicle", "motor_vehicle", "motorcar"] {
        match tag(tags, key) {
            Some(v) if DENY.contains(&v) => allowed = false,
            Some(v) if ALLOW.contains(&v) => allowed = true,
            _ => {}
        }
    }
    if !allowed {
        return None;
    }
    let kmh = tag(tags, "maxspeed").and_then(parse_maxspeed).unwrap_or(default);
    let roundabout = matches!(tag(tags, "junction"), Some("roundabout" | "circular"));
    let (forward, backward) = match tag(tags, "oneway") {
        Some("yes" | "true" | "1") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("no" | "false" | "0") => (true, true),
        _ if roundabout || hw == "motorway" => (true, false),
        _ => (true, true),
    };
    Some(WayUse { kmh, forward, backward })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_follow_tags() {
        assert!(walk(&[("highway", "footway")]).is_some());
        assert!(drive(&[("highway", "footway")]).is_none());
        assert!(walk(&[("highway", "motorway")]).is_none());
        assert!(walk(&[("highway", "service"), ("access", "private")]).is_none());
        assert!(walk(&[("highway", "service"), ("access", "private"), ("foot", "yes")]).is_some());
        assert!(drive(&[("highway", "residential"), ("motor_vehicle", "no")]).is_none());
        assert!(drive(&[("highway", "residential"), ("access", "no"), ("motorcar", "destination")]).is_some());
        let one = drive(&[("highway", "primary"), ("oneway", "yes")]).unwrap();
        assert!(one.forward && !one.backward);
        let rev = drive(&[("highway", "primary"), ("oneway", "-1")]).unwrap();
        assert!(!rev.forward && rev.backward);
        assert!(!drive(&[("highway", "primary"), ("junction", "roundabout")]).unwrap().backward);
        assert!((drive(&[("highway", "residential"), ("maxspeed", "20 mph")]).unwrap().kmh - 32.18688).abs() < 1e-9);
        assert_eq!(parse_maxspeed("signals"), None);
        assert_eq!(parse_maxspeed("50"), Some(50.0));
    }
}
