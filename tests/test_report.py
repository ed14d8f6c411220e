import json

import pytest

from mio_utils.report import report_metric


def test_report_metric_prints_and_records(monkeypatch, tmp_path, capsys):
    target = tmp_path / "m.json"
    monkeypatch.setenv("MIO_METRICS_FILE", str(target))
    assert report_metric("test_accuracy", 0.875) == 0.875
    report_metric("seconds", 3)
    assert json.loads(target.read_text()) == {"test_accuracy": 0.875, "seconds": 3.0}
    assert "test_accuracy = 0.875" in capsys.readouterr().out


def test_report_metric_without_file_only_prints(monkeypatch, capsys):
    monkeypatch.delenv("MIO_METRICS_FILE", raising=False)
    report_metric("loss", 1.5)
    assert "loss = 1.5" in capsys.readouterr().out


@pytest.mark.parametrize("name, value, message", [
    ("test accuracy", 1.0, "identifiers"),
    ("acc", "high", "must be a number"),
    ("acc", float("nan"), "finite"),
])
def test_report_metric_rejects_bad_input(name, value, message):
    with pytest.raises(ValueError, match=message):
        report_metric(name, value)
