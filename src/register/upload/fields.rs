//! The fields of an uploaded service and the column names each is known by.

use serde::{Deserialize, Serialize};

/// One field of a partner's service row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Category,
    Subcategory,
    Tier,
    Postcode,
    Easting,
    Northing,
    Lon,
    Lat,
    Capacity,
    Status,
    OpeningHours,
    Contact,
    SourceId,
}

impl Field {
    /// Every field, in the order reports list them.
    pub const ALL: [Field; 14] = [
        Field::Name,
        Field::Category,
        Field::Subcategory,
        Field::Tier,
        Field::Postcode,
        Field::Easting,
        Field::Northing,
        Field::Lon,
        Field::Lat,
        Field::Capacity,
        Field::Status,
        Field::OpeningHours,
        Field::Contact,
        Field::SourceId,
    ];

    /// The field's id (`opening_hours`), as in messages and `--set`.
    pub fn id(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Category => "category",
            Field::Subcategory => "subcategory",
            Field::Tier => "tier",
            Field::Postcode => "postcode",
            Field::Easting => "easting",
            Field::Northing => "northing",
            Field::Lon => "lon",
            Field::Lat => "lat",
            Field::Capacity => "capacity",
            Field::Status => "status",
            Field::OpeningHours => "opening_hours",
            Field::Contact => "contact",
            Field::SourceId => "source_id",
        }
    }

    /// Column names this field is known by, normalised (see
    /// [`super::columns::normalise_header`]); the first is its own id.
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Name => &["name", "servicename", "service", "sitename", "site", "venue", "venuename", "premises", "premisesname", "locationname", "facility", "facilityname", "practicename", "placename", "title", "nameofservice"],
            Field::Category => &["category", "categoryid", "cat", "servicecategory", "servicetype", "type", "kind", "typeofservice"],
            Field::Subcategory => &["subcategory", "subcat", "subtype", "servicesubtype", "subcategoryname"],
            Field::Tier => &["tier", "tierid", "servicetier", "level", "servicelevel"],
            Field::Postcode => &["postcode", "postalcode", "pcode", "pcd", "pcds", "pc", "zip", "zipcode", "sitepostcode", "servicepostcode", "postcodeofsite"],
            Field::Easting => &["easting", "eastings", "east", "bngeasting", "oseasting", "gridx", "xcoordinate", "bngx"],
            Field::Northing => &["northing", "northings", "north", "bngnorthing", "osnorthing", "gridy", "ycoordinate", "bngy"],
            Field::Lon => &["lon", "long", "lng", "longitude", "wgs84lon", "lonwgs84", "longitudewgs84"],
            Field::Lat => &["lat", "latitude", "wgs84lat", "latwgs84", "latitudewgs84"],
            Field::Capacity => &["capacity", "places", "spaces", "beds", "maxcapacity", "listsize", "size", "numberofplaces"],
            Field::Status => &["status", "state", "servicestatus", "operationalstatus"],
            Field::OpeningHours => &["openinghours", "opening", "hours", "openingtimes", "opentimes", "times", "hoursofopening", "whenopen"],
            Field::Contact => &["contact", "contactdetails", "phone", "telephone", "tel", "phonenumber", "email", "emailaddress", "contactname", "contactemail", "contactphone"],
            Field::SourceId => &["sourceid", "id", "ref", "reference", "yourref", "yourreference", "externalid", "serviceid", "siteid", "code", "odscode", "orgcode", "uid", "identifier"],
        }
    }

    /// The field of an id (`opening_hours`) or of any of its column names.
    pub fn parse(text: &str) -> Option<Field> {
        let key = super::columns::normalise_header(text);
        Field::ALL.into_iter().find(|f| f.synonyms().contains(&key.as_str()))
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_are_normalised_and_unique() {
        let mut seen = std::collections::BTreeMap::new();
        for f in Field::ALL {
            assert_eq!(f.synonyms()[0], super::super::columns::normalise_header(f.id()), "{f}");
            for s in f.synonyms() {
                assert_eq!(*s, super::super::columns::normalise_header(s), "{s} is normalised");
                assert!(seen.insert(*s, f).is_none(), "`{s}` names two fields");
            }
        }
        assert_eq!(Field::parse("Opening Hours"), Some(Field::OpeningHours));
        assert_eq!(Field::parse("opening_hours"), Some(Field::OpeningHours));
        assert_eq!(Field::parse("nonsense"), None);
    }
}
