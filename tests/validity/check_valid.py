#!/usr/bin/env python3
"""GEOS validity of every polygon in needmap outputs, by shapely (GEOS).

Usage: check_valid.py FILE...   (GeoJSON files or documents, Shapefile folders,
.shp files or zips; Shapefiles are read with GDAL's ogr2ogr).

Prints one JSON object: {FILE: {"features": N, "polygons": N, "invalid": [[id, reason], ...]}}.
Exits 0 when it could read every file (validity is judged by the caller).
"""
import json
import subprocess
import sys

from shapely.geometry import shape
from shapely.validation import explain_validity


def features_of(path):
    if path.endswith(".geojson") or path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    else:
        src = path
        if path.endswith(".zip"):
            src = "/vsizip/" + path
        out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", src],
                             check=True, capture_output=True, text=True)
        doc = json.loads(out.stdout)
    if doc.get("type") == "FeatureCollection":
        return doc["features"]
    if doc.get("type") == "Feature":
        return [doc]
    raise SystemExit(f"{path}: not a GeoJSON FeatureCollection or Feature")


def main(paths):
    report = {}
    for path in paths:
        feats = features_of(path)
        invalid = []
        polygons = 0
        for i, feat in enumerate(feats):
            geom = feat.get("geometry")
            if not geom or geom["type"] not in ("Polygon", "MultiPolygon"):
                continue
            polygons += 1
            g = shape(geom)
            if not g.is_valid:
                props = feat.get("properties") or {}
                ident = feat.get("id") or props.get("code") or props.get("id") or i
                invalid.append([str(ident), explain_validity(g)])
        report[path] = {"features": len(feats), "polygons": polygons, "invalid": invalid}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
