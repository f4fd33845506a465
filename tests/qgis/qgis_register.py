#!/usr/bin/python3
"""Open the partners' register (a GeoPackage) and the squares of where people live in QGIS
(PyQGIS, headless) as a planner would.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_register.py REGISTER.gpkg COUNT BASE_URL

REGISTER.gpkg is a register made by `needmap register init` with COUNT services. Its `services`
table must open with the `ogr` provider as a valid point layer in EPSG:27700 with COUNT
features, every point inside the British National Grid and its lon/lat columns the point in
WGS 84 (transformed by QGIS, within 2 m); its other tables (`partners`, `changes`,
`submissions`) must be listed. BASE_URL is a running `needmap serve`: the squares
(BASE_URL/api/grid.geojson?category=family_hub&cell=1000) must open as a valid polygon layer
in WGS 84 with as many features as the document and a numeric `population` field.
Prints one JSON line of what was found; exits 1 listing every failure.
"""
import json
import sys
import urllib.request

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)

failures = []
found = {}


def check(ok, message):
    if not ok:
        failures.append(message)


def main():
    path, count, base = sys.argv[1], int(sys.argv[2]), sys.argv[3].rstrip("/")
    # The tables the GeoPackage holds, as QGIS's OGR provider lists them.
    whole = QgsVectorLayer(path, "all", "ogr")
    tables = sorted(s.split("!!::!!")[1] for s in whole.dataProvider().subLayers())
    found["tables"] = tables
    for t in ["services", "partners", "changes", "submissions"]:
        check(t in tables, f"the GeoPackage lists no `{t}` table: {tables}")
    layer = QgsVectorLayer(f"{path}|layername=services", "services", "ogr")
    check(layer.isValid(), f"{path}: the services table is not a valid layer")
    if layer.isValid():
        found["services"] = layer.featureCount()
        found["crs"] = layer.crs().authid()
        check(layer.featureCount() == count, f"services: {layer.featureCount()} features, expected {count}")
        check(layer.crs().authid() == "EPSG:27700", f"services CRS {layer.crs().authid()}, expected EPSG:27700")
        check(QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PointGeometry, "services are not points")
        to_wgs = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance())
        names = layer.fields().names()
        check("lon" in names and "lat" in names, f"services fields {names} lack lon/lat")
        worst = 0.0
        for f in layer.getFeatures():
            p = f.geometry().asPoint()
            if not (0 <= p.x() <= 700000 and 0 <= p.y() <= 1300000):
                failures.append(f"service {f['id']}: point {p.x()}, {p.y()} outside the British National Grid")
                continue
            if "lon" in names:
                q = to_wgs.transform(QgsPointXY(p))
                # Metres between QGIS's transform of the point and the stored lon/lat.
                dy = (q.y() - f["lat"]) * 111_320.0
                dx = (q.x() - f["lon"]) * 111_320.0 * 0.59
                worst = max(worst, (dx * dx + dy * dy) ** 0.5)
        found["lonlat_max_m"] = round(worst, 3)
        check(worst < 2.0, f"stored lon/lat differ from QGIS's transform of the point by up to {worst:.2f} m")
    url = f"{base}/api/grid.geojson?category=family_hub&cell=1000"
    with urllib.request.urlopen(url, timeout=120) as r:
        doc = json.load(r)
    squares = QgsVectorLayer(url, "squares", "ogr")
    check(squares.isValid(), f"{url}: not a valid layer")
    if squares.isValid():
        found["squares"] = squares.featureCount()
        check(squares.featureCount() == len(doc["features"]), f"squares: {squares.featureCount()} features, the document has {len(doc['features'])}")
        check(squares.crs().authid() in ("EPSG:4326", "OGC:CRS84"), f"squares CRS {squares.crs().authid()}")
        check(QgsWkbTypes.geometryType(squares.wkbType()) == QgsWkbTypes.PolygonGeometry, "squares are not polygons")
        field = squares.fields().field("population")
        check(field.isNumeric(), f"population is {field.typeName()}, not a number")
    print(json.dumps(found))
    if failures:
        for f in failures:
            print("FAIL:", f)
        return 1
    return 0


if __name__ == "__main__":
    app = QgsApplication([], False)
    app.initQgis()
    try:
        code = main()
    finally:
        app.exitQgis()
    sys.exit(code)
