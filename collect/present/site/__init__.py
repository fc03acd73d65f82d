"""The results website: a static folder of pages, data and plotly.js that opens from file:// and GitHub Pages.

    from collect.present.site import env_files, write_site
    write_site(summarize(frame), Path("site"), subtitle=..., csv_paths=env_files(frame), downloads={name: path})

build.py writes it; data.py and tables.py compute what it shows from the one Summary; encode.py writes the data
files; pages.py the HTML shells; assets/ holds the pages' JavaScript, CSS and HTML shell as files.
"""

from collect.present.site.build import write_site
from collect.present.site.tables import env_files

__all__ = ["env_files", "write_site"]
