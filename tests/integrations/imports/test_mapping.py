"""Which column is what: header synonyms, explicit mapping, delimiters, BOM."""

from __future__ import annotations

import io

import pytest

from feedback.integrations import csv_import as engagement_import
from feedback.integrations import csv_rows
from feedback.integrations.csv_rows import MappingError


def _mapping(header: str, overrides=None) -> dict:
    return engagement_import.read_mapping(io.BytesIO(header.encode() + b"\n"), overrides)[1]


def test_common_header_names_are_recognised_whatever_their_case():
    assert _mapping("Sales Rep Email,CONTACT EMAIL,Contact Name,Account,Meeting Date,Type") == {
        "salesperson_email": "Sales Rep Email", "customer_email": "CONTACT EMAIL",
        "customer_name": "Contact Name", "company": "Account", "occurred_at": "Meeting Date",
        "kind": "Type"}
    assert _mapping("external_id,salesperson_email,customer_email,occurred_at")[
        "external_id"] == "external_id"


def test_semicolons_tabs_and_a_bom_are_understood():
    data = "\ufeffOwner;E-mail;When\n".encode()
    assert engagement_import.read_mapping(io.BytesIO(data))[1] == {
        "salesperson_email": "Owner", "customer_email": "E-mail", "occurred_at": "When"}
    assert _mapping("Owner\tEmail\tDate")["occurred_at"] == "Date"


def test_explicit_mapping_wins_and_an_empty_one_ignores_a_column():
    mapping = _mapping("ID,Rep,Client address,Day", {
        "salesperson_email": "rep", "customer_email": "Client address",
        "occurred_at": "Day", "external_id": ""})
    assert "external_id" not in mapping
    assert mapping["salesperson_email"] == "Rep"


def test_missing_required_columns_are_named():
    with pytest.raises(MappingError, match="Customer email"):
        _mapping("Salesperson,Date")
    with pytest.raises(MappingError, match="no column called"):
        _mapping("Salesperson,Email,Date", {"kind": "Activity"})
    with pytest.raises(MappingError, match="no field called"):
        _mapping("Salesperson,Email,Date", {"mood": "Email"})
    with pytest.raises(MappingError):
        engagement_import.read_mapping(io.BytesIO(b""))


def test_moments_are_iso_8601_and_naive_ones_are_utc():
    assert csv_rows.parse_moment("2026-11-20 14:30").isoformat() == "2026-11-20T14:30:00+00:00"
    assert csv_rows.parse_moment("2026-11-20T14:30+01:00").hour == 13
    assert csv_rows.parse_moment("2026-11-20").hour == 0
    for bad in ("20/11/2026", "yesterday", "", "1900-01-01", "3000-01-01"):
        assert csv_rows.parse_moment(bad) is None


def test_formula_cells_are_neutralised_for_spreadsheets():
    assert csv_rows.neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_rows.neutralise("+1") == "'+1" and csv_rows.neutralise("@x") == "'@x"
    assert csv_rows.neutralise("plain") == "plain"
