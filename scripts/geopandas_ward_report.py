#!/usr/bin/env python3
"""The ward report of a synthetic dataset done with geopandas, for `make bench-scale`.

Reads the LSOA and ward boundaries (CRS84 GeoJSON) and the LSOA indicator
table, reprojects to British National Grid, overlays LSOAs on wards, splits
each LSOA's populations by area share and takes population-weighted means of
the score and rate indicators per ward (needmap's apportionment), and writes
the ward table as CSV. The CPU time of this script is the yardstick for
`needmap report --level ward`.

Usage: geopandas_ward_report.py DATA_DIR OUT_CSV
"""

import os
import sys

import geopandas as gpd
import pandas as pd


def main():
    data, out = sys.argv[1], sys.argv[2]
    lsoa = gpd.read_file(os.path.join(data, "lsoa.geojson")).to_crs(27700)
    wards = gpd.read_file(os.path.join(data, "wards.geojson")).to_crs(27700)
    table = pd.read_csv(os.path.join(data, "imd_lsoa.csv"))
    lsoa = lsoa.merge(table, left_on="code", right_on="lsoa_code")
    lsoa["lsoa_m2"] = lsoa.geometry.area
    pieces = gpd.overlay(
        lsoa[["code", "lsoa_m2", "pop_total", "pop_children", "imd_score", "income_score_pct", "geometry"]],
        wards[["code", "name", "geometry"]].rename(columns={"code": "ward_code", "name": "ward_name"}),
        how="intersection",
        keep_geom_type=True,
    )
    pieces["m2"] = pieces.geometry.area
    pieces = pieces[pieces["m2"] > 1.0]
    share = pieces["m2"] / pieces.groupby("code")["m2"].transform("sum")
    pieces["population"] = pieces["pop_total"] * share
    pieces["children"] = pieces["pop_children"] * share
    for k in ("imd_score", "income_score_pct"):
        pieces[k + "_w"] = pieces[k] * pieces["population"]
    g = pieces.groupby(["ward_code", "ward_name"], as_index=False).agg(
        population=("population", "sum"),
        children=("children", "sum"),
        imd_score_w=("imd_score_w", "sum"),
        income_score_pct_w=("income_score_pct_w", "sum"),
    )
    for k in ("imd_score", "income_score_pct"):
        g[k] = g[k + "_w"] / g["population"]
    g[["ward_code", "ward_name", "population", "children", "imd_score", "income_score_pct"]].to_csv(out, index=False)


if __name__ == "__main__":
    main()
