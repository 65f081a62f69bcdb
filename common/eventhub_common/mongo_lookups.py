"""Query lookups for django-mongodb-backend that every MongoDB server answers from an index."""

from django.db import models
from django_mongodb_backend.fields import ArrayField


class HasElement(models.Lookup):
    """`tags__has_element="jazz"`: the array holds this element.

    Emits `{tags: "jazz"}`, which every MongoDB server answers from the
    multikey index; Django's `tags__contains=["jazz"]` emits `$all`, which
    SecantusDB answers with a collection scan (docs/mongodb-compat.md).
    """

    lookup_name = "has_element"

    def get_prep_lookup(self):
        return self.rhs

    def as_mql(self, compiler, connection, as_expr=False):
        if as_expr:
            raise NotImplementedError("has_element cannot be used inside an expression")
        return {self.lhs.target.column: self.rhs}


ArrayField.register_lookup(HasElement)
