"""GeoJSON points on MongoDB: a field, its 2dsphere index and a radius lookup.

Coordinates are stored as native GeoJSON (`{"type": "Point", "coordinates":
[lon, lat]}`) so a 2dsphere index serves "near" queries. The radius lookup
emits `$geoWithin`/`$centerSphere`, which (unlike `$near`) combines with the
list's start-time ordering and cursor pagination.
"""

from django.db import models
from pymongo import GEOSPHERE
from pymongo.operations import IndexModel

EARTH_RADIUS_METERS = 6_378_100


class GeoPointField(models.JSONField):
    """A GeoJSON Point; validation of ranges happens in the API serializer."""


class WithinRadius(models.Lookup):
    """`coordinates__within_radius=(lon, lat, meters)`."""

    lookup_name = "within_radius"

    def as_mql(self, compiler, connection, as_expr=False):
        if as_expr:
            raise NotImplementedError("within_radius cannot be used inside an expression")
        lon, lat, meters = self.rhs
        return {
            self.lhs.target.column: {
                "$geoWithin": {"$centerSphere": [[float(lon), float(lat)], float(meters) / EARTH_RADIUS_METERS]}
            }
        }

    def get_prep_lookup(self):
        return tuple(self.rhs)


GeoPointField.register_lookup(WithinRadius)


class GeoSphereIndex(models.Index):
    """A MongoDB 2dsphere index on one GeoJSON field."""

    suffix = "geo"

    def get_pymongo_index_model(self, model, schema_editor, field=None, unique=False, column_prefix=""):
        (field_name,) = self.fields
        column = column_prefix + model._meta.get_field(field_name).column
        return IndexModel([(column, GEOSPHERE)], name=self.name)
