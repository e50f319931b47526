"""`desktop-app history --csv`: the rows of `--json`, assets as text."""

from __future__ import annotations

import csv
import io
import json

from desktop_app.cli import main
from desktop_app.core.export import FIELDS, assets_text, cell
from tests.sync.helpers import client_for, deploy, register
from tests.sync.test_bundled_sync import V1, V2
from tests.sync.test_diff_command import _args


def test_csv_has_the_json_rows(empty_server, tmp_path, capsys):
    register(empty_server, "img:1", V1)
    register(empty_server, "img:2", V2)
    client = client_for(empty_server)
    for image in ("img:1", "img:1", "img:2"):
        deploy(client, "loc", image)
    client.close()
    assert main(_args(empty_server, tmp_path, "history", "--json")) == 0
    rows = json.loads(capsys.readouterr().out)
    assert main(_args(empty_server, tmp_path, "history", "--csv")) == 0
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert tuple(parsed[0]) == FIELDS
    assert len(parsed) == len(rows) == 2
    for record, row in zip(parsed, rows, strict=True):
        for name in FIELDS:
            expected = row.get(name)  # the rollback columns only on rollbacks
            if name == "assets":
                expected = assets_text(expected)
            # What would start a spreadsheet formula is read as text ("'+g; ...").
            assert record[name] == ("" if expected is None else cell(str(expected))), name
    assert parsed[0]["assets"].startswith("'+g")
    assert "~a (CODE_VERSION)" in parsed[0]["assets"]
    assert "+g" in parsed[0]["assets"]
