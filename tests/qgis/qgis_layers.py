#!/usr/bin/python3
"""Open needmap's web services in QGIS (PyQGIS, headless) as a planner would.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_layers.py BASE_URL LEVEL COUNT MINX MINY MAXX MAXY

BASE_URL is a running `needmap serve` (http://127.0.0.1:PORT); LEVEL an area
level with COUNT areas whose CRS84 extent is MINX MINY MAXX MAXY. Three layers
are opened and each must be valid, in the right CRS, with COUNT features and
the extent:
  1. OGC API Features (the `OAPIF` provider) from BASE_URL/ogc,
  2. vector tiles (the `vectortile` provider, type=xyz) from the TileJSON at
     BASE_URL/tiles/LEVEL.json: QGIS 3.22 cannot read TileJSON itself, so the
     URI is built from the TileJSON's `tiles`, `minzoom` and `maxzoom` as a
     user pasting them would; features are counted by rendering the layer
     over the TileJSON `bounds` with QGIS's vector tile renderer whose filter
     records the `code` of every decoded polygon; and again from the one URL
     BASE_URL/tiles/LEVEL as an "ArcGIS Vector Tile Service" connection,
  3. the GeoJSON URL BASE_URL/api/areas/LEVEL.geojson (the `ogr` provider).
Prints one JSON line of what was found; exits 1 listing every failure.
"""
import json
import sys
import urllib.request

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDataSourceUri,
    QgsMapRendererCustomPainterJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
    QgsExpression,
    QgsFillSymbol,
    QgsVectorTileBasicRenderer,
    QgsVectorTileBasicRendererStyle,
    QgsVectorTileLayer,
    QgsWkbTypes,
    qgsfunction,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor, QImage, QPainter

failures = []
found = {}


def check(ok, message):
    if not ok:
        failures.append(message)


def close(a, b, tol):
    return abs(a - b) <= tol


def check_extent(name, rect, want, tol):
    got = [rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum()]
    found[name]["extent"] = got
    check(all(close(g, w, tol) for g, w in zip(got, want)), f"{name}: extent {got}, expected {want} (within {tol})")


SEEN = set()


@qgsfunction(args="auto", group="needmap test", register=False)
def needmap_seen(code, feature, parent):
    """Record the `code` of a feature QGIS decoded from a tile; draw nothing."""
    SEEN.add(str(code))
    return False


def counting_renderer(layer_name):
    """QGIS's own vector tile renderer, with a filter that records every
    decoded polygon's `code` (QGIS decodes the attributes a filter uses)."""
    style = QgsVectorTileBasicRendererStyle("count", layer_name, QgsWkbTypes.PolygonGeometry)
    style.setSymbol(QgsFillSymbol.createSimple({"color": "255,0,0"}))
    style.setFilterExpression('needmap_seen("code")')
    renderer = QgsVectorTileBasicRenderer()
    renderer.setStyles([style])
    return renderer


def check_vector(name, uri, provider, count, want_extent):
    """A vector layer: valid, COUNT features (all fetched), WGS84, the extent."""
    layer = QgsVectorLayer(uri, name, provider)
    found[name] = {"valid": layer.isValid()}
    check(layer.isValid(), f"{name}: layer {uri} is not valid")
    if layer.isValid():
        n = sum(1 for _ in layer.getFeatures())
        found[name].update(count=n, crs=layer.crs().authid())
        check(n == count, f"{name}: {n} features, expected {count}")
        check(layer.crs().authid() in ("OGC:CRS84", "EPSG:4326"), f"{name}: CRS {layer.crs().authid()}")
        layer.updateExtents()
        check_extent(name, layer.extent(), want_extent, 1e-4)


def main(base, level, count, want_extent):
    check_vector("oapif", f"url='{base}/ogc' typename='{level}'", "OAPIF", count, want_extent)
    check_vector("geojson", f"{base}/api/areas/{level}.geojson", "ogr", count, want_extent)

    with urllib.request.urlopen(f"{base}/tiles/{level}.json") as r:
        tj = json.load(r)
    # Vector tiles from the TileJSON's tile URL and zooms.
    ds = QgsDataSourceUri()
    ds.setParam("type", "xyz")
    ds.setParam("url", tj["tiles"][0])
    ds.setParam("zmin", str(tj["minzoom"]))
    ds.setParam("zmax", str(tj["maxzoom"]))
    check_tiles("vectortiles", bytes(ds.encodedUri()).decode(), tj, level, count, want_extent)
    # Vector tiles from one URL, as QGIS's "ArcGIS Vector Tile Service" connection.
    ds = QgsDataSourceUri()
    ds.setParam("type", "xyz")
    ds.setParam("serviceType", "arcgis")
    ds.setParam("url", f"{base}/tiles/{level}")
    check_tiles("vectortiles-service", bytes(ds.encodedUri()).decode(), tj, level, count, want_extent)

    print(json.dumps(found))
    for f in failures:
        print("FAIL", f, file=sys.stderr)
    return 1 if failures else 0


def check_tiles(name, uri, tj, level, count, want_extent):
    layer = QgsVectorTileLayer(uri, f"{level} {name}")
    found[name] = {"valid": layer.isValid(), "uri": uri}
    check(layer.isValid(), f"{name}: layer {uri} is not valid")
    check(tj.get("vector_layers", [{}])[0].get("id") == level, f"{name}: TileJSON vector_layers[0].id is not {level}")
    check_extent(name, QgsRectangle(*tj["bounds"]), want_extent, 1e-4)
    if layer.isValid():
        found[name].update(crs=layer.crs().authid(), zoom=[layer.sourceMinZoom(), layer.sourceMaxZoom()])
        check(layer.crs().authid() == "EPSG:3857", f"{name}: CRS {layer.crs().authid()}, expected EPSG:3857")
        check([layer.sourceMinZoom(), layer.sourceMaxZoom()] == [tj["minzoom"], tj["maxzoom"]], f"{name}: zoom range {found[name]['zoom']}")
        QgsExpression.registerFunction(needmap_seen)
        SEEN.clear()
        layer.setRenderer(counting_renderer(level))
        QgsProject.instance().addMapLayer(layer)
        settings = QgsMapSettings()
        settings.setLayers([layer])
        settings.setDestinationCrs(layer.crs())
        to_merc = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), layer.crs(), QgsProject.instance())
        settings.setExtent(to_merc.transformBoundingBox(QgsRectangle(*tj["bounds"])))
        settings.setOutputSize(QSize(1024, 1024))
        settings.setBackgroundColor(QColor(255, 255, 255))
        image = QImage(settings.outputSize(), QImage.Format_ARGB32)
        painter = QPainter(image)
        job = QgsMapRendererCustomPainterJob(settings, painter)
        job.renderSynchronously()
        painter.end()
        errors = [e.message for e in job.errors()]
        QgsExpression.unregisterFunction("needmap_seen")
        seen = {c for c in SEEN if c not in ("", "NULL", "None")}
        found[name].update(count=len(seen), render_errors=errors)
        check(not errors, f"{name}: render errors {errors}")
        check(len(seen) == count, f"{name}: {len(seen)} distinct areas decoded from the tiles, expected {count}")
        QgsProject.instance().removeMapLayer(layer.id())


if __name__ == "__main__":
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    base, level, count = sys.argv[1].rstrip("/"), sys.argv[2], int(sys.argv[3])
    extent = [float(v) for v in sys.argv[4:8]]
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        code = main(base, level, count, extent)
    finally:
        QgsProject.instance().removeAllMapLayers()
        app.exitQgis()
    sys.exit(code)
