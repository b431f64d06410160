"""The demo city's catalogue: generated Chinese books spread over the units that hold stock, the
real MARC files of ``shared/data/marc`` at the central library, then the search index.

``catalogue_build`` is the phase ``demo_build`` runs after the readers, inside its transaction.
"""

from libcity.demo.catalogue.loading import (
    REAL_MARC_FILES,
    CatalogueCounts,
    catalogue_build,
    marc_folder,
    real_records_import,
    search_reindex,
)

__all__ = [
    "REAL_MARC_FILES",
    "CatalogueCounts",
    "catalogue_build",
    "marc_folder",
    "real_records_import",
    "search_reindex",
]
