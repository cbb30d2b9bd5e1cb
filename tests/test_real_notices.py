"""Field accuracy of the notice rules on real public notices (tests/realnotices, sources in its README): each field's
share of notices read right stays at least what README reports, and a tender and its correction link."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.extract import extract
from crawler.extract.procurement import normalise_number, read_notice

HERE = Path(__file__).parent / "realnotices"
LABELS = json.loads((HERE / "labels.json").read_text(encoding="utf-8"))
# the figures README's "Projects" section reports (right / labelled), per field
REPORTED = {"kind": 5, "number": 5, "name": 5, "buyer": 4, "province": 3, "budget": 5, "deadlines": 5,
            "award lots": 3, "award suppliers": 3, "award amounts": 3}


def _read(name: str):
    article = extract((HERE / name).read_bytes(), f"http://example.invalid/{name}", "utf-8").to_dict()
    return read_notice(article)


def score() -> dict[str, tuple[int, int]]:
    """Per field: (notices read right, notices labelled); each lot of a result counts once."""
    right = dict.fromkeys(REPORTED, 0)
    total = dict.fromkeys(REPORTED, 0)
    for name, want in LABELS.items():
        got = _read(name)
        values = {"kind": got.kind if got else None, "number": got.number if got else None,
                  "name": got.name if got else None, "buyer": got.buyer if got else None,
                  "province": got.province if got else None, "budget": got.budget if got else None,
                  "deadlines": got.deadlines if got else None}
        expected = dict(want, number=normalise_number(want["number"]))
        for field, value in values.items():
            total[field] += 1
            right[field] += value == expected[field]
        awards = [(a.lot, a.supplier, a.amount) for a in got.awards] if got else []
        for i, (lot, supplier, amount) in enumerate(want["awards"]):
            found = awards[i] if i < len(awards) else (None, None, None)
            for field, a, b in (("award lots", lot, found[0]), ("award suppliers", supplier, found[1]),
                                ("award amounts", amount, found[2])):
                total[field] += 1
                right[field] += a == b
    return {field: (right[field], total[field]) for field in REPORTED}


def test_field_accuracy_on_real_notices_holds():
    figures = score()
    below = {f: figures[f] for f, least in REPORTED.items() if figures[f][0] < least}
    assert not below, f"fields read right on fewer real notices than README reports: {below}"


def test_a_real_tender_and_its_correction_link():
    tender, correction = _read("nmg_baotou_road_tender.html"), _read("nmg_baotou_road_correction.html")
    assert tender.key == correction.key == "BTZCQSS-C-G-220014"
    assert _read("gx_nandan_social_assistance_award.html").key != tender.key
