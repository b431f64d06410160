"""Search: text analysis (segmentation, pinyin, folding), query parsing, facets, two backends.

The interface is ``libcity.search.index`` (``index_documents``, ``index_delete``,
``index_clear``, ``index_ids``, ``search``) with ``SearchDocument`` (``documents``) and
``SearchRequest`` / ``SearchResult`` (``query``). See ``docs/domains/search.md``.
"""
