"""The terms of third-party figures travel with every output that holds them (results.png, results.md, the site)."""

from __future__ import annotations

from conftest import record, write

import plot_results
from collect.dataset.loader import discover, load
from collect.present.licences import notice

SA = dict(source="published", licence="CC-BY-SA-4.0", run_id="published:a",
          reference="someone/tables@0123abcd:README.md (matmul table)", note="mean of 100; figure by Ada Lovelace, tables")
MIT = dict(source="published", licence="MIT", run_id="published:b", reference="other/bench@89ab:logs/x.csv")


def test_notice_names_each_licence_its_repositories_and_credits_a_sharealike_author(results_dir):
    write(results_dir, "sa-cuda", [record(env="sa-cuda", device_kind="cuda", **SA)])
    write(results_dir, "mit-cuda", [record(env="mit-cuda", device_kind="cuda", **MIT)])
    write(results_dir, "mine-cpu", [record(env="mine-cpu")])
    text = notice(load(discover(results_dir)).frame)
    assert text.startswith("Third-party figures: CC-BY-SA-4.0 from someone/tables by Ada Lovelace (ShareAlike: this output "
                           "is offered under CC-BY-SA-4.0 for those rows); MIT from other/bench")
    assert "LICENSE-DATA" in text


def test_no_third_party_row_no_notice(results_dir):
    write(results_dir, "mine-cpu", [record(env="mine-cpu")])
    assert notice(load(discover(results_dir)).frame) == ""


def test_results_md_carries_the_notice(results_dir, tmp_path):
    write(results_dir, "sa-cuda", [record(env="sa-cuda", device_kind="cuda", **SA)])
    write(results_dir, "mine-cpu", [record(env="mine-cpu")])
    md = tmp_path / "out" / "results.md"
    assert plot_results.main(["--results-dir", str(results_dir), "--out", str(tmp_path / "out" / "r.png"),
                              "--markdown", str(md)]) == 0
    assert "ShareAlike: this output is offered under CC-BY-SA-4.0 for those rows" in md.read_text()


def test_every_site_page_names_the_terms_on_a_line_of_its_own(results_dir, tmp_path):
    write(results_dir, "sa-cuda", [record(env="sa-cuda", device_kind="cuda", **SA)])
    out = tmp_path / "out"
    assert plot_results.main(["--results-dir", str(results_dir), "--out", str(out / "r.png"), "--markdown",
                              str(out / "r.md"), "--site", str(out / "site")]) == 0
    for page in ("index.html", "downloads.html", "device.html"):
        html = (out / "site" / page).read_text()
        assert "<br>\nThird-party figures: CC-BY-SA-4.0 from someone/tables by Ada Lovelace (ShareAlike" in html, page
