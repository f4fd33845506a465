//! Printed maps.
