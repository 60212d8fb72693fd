"""frontline: map front lines from dated GeoJSON layers.

Importing ``geo`` is cheap: the heavy modules (shapely, pyproj, pyogrio, folium, geopandas) load only in the
functions that need them, so that ``frontline area`` starts fast.
"""

__version__ = "0.1.0"
