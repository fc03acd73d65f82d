"""Readers that turn vendored excerpts of openly licensed published benchmark tables (third_party/<source>/) into
devicebench rows (source=published), one module per source; `python -m tools.published` writes them to results/.

Nothing is fetched at run time: each reader parses only the excerpt shipped under third_party/, whose SOURCE.md
names the repository, commit and path it was copied from, and whose licence text ships beside it.
"""
