"""落实到人: responsible persons indexed by their ID number (keyed), and the person query."""

from gateway.persons.index import (
    IndexChanges,
    IndexEntry,
    PersonIndexer,
    entries_of,
    index_changes,
    resident_id,
    shown_in_full,
    traced_in,
)
from gateway.persons.ports import PersonIndex
from gateway.persons.query import (
    PersonListing,
    PersonQuery,
    PersonView,
    person_number,
    person_view,
    roles_of,
)

__all__ = [
    "IndexChanges",
    "IndexEntry",
    "PersonIndex",
    "PersonIndexer",
    "PersonListing",
    "PersonQuery",
    "PersonView",
    "entries_of",
    "index_changes",
    "person_number",
    "person_view",
    "resident_id",
    "roles_of",
    "shown_in_full",
    "traced_in",
]
