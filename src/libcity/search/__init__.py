"""Search: text analysis (segmentation, pinyin, folding), query parsing, facets, two backends."""
