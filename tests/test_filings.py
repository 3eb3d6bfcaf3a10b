"""Capital expenditure read from the filings' text: the parser on small texts, then on the filings.

The checks on the real filings compare the statement line with a figure the same filing states
elsewhere in words (its MD&A or free-cash-flow table), so each test can fail independently of the
parser's own reading.
"""
from __future__ import annotations

import gzip
import re

import pytest

from shockbook.data import filings as FL

HAVE_SEC = all((FL.SEC_DIR / name).is_file() for name, _ in FL.CAPEX_LINES.values())
NO_SEC = "../shared/data/raw/heliar-k_market-base/sec is not present (only on the machine the book is built from)"

NEWEST_LAST = ("Table of Contents CONSOLIDATED STATEMENTS OF CASH FLOWS (in millions) Year Ended December 31, "
               "2022 2023 2024 OPERATING ACTIVITIES: Net income 10 20 30 INVESTING ACTIVITIES: "
               "Purchases of property and equipment ( 63,645 ) ( 52,729 ) ( 82,999 ) Proceeds 1 2 3")
NEWEST_FIRST = ("CONSOLIDATED STATEMENTS OF CASH FLOWS (In millions) Year Ended December 31, 2024 2023 2022 "
                "Cash flows from investing activities Purchases of property and equipment ( 37,256 ) ( 27,045 ) "
                "( 31,186 ) Purchases of marketable securities ( 1 ) ( 2 ) ( 3 )")
QUARTERLY = ("CASH FLOWS STATEMENTS (In millions) (Unaudited) Three Months Ended December 31, Six Months Ended "
             "December 31, 2024 2023 2024 2023 Investing Additions to property and equipment ( 15,804 ) "
             "( 9,735 ) ( 30,727 ) ( 19,652 ) Acquisition of companies ( 1 ) ( 2 ) ( 3 ) ( 4 )")


def test_parse_figure_reads_parentheses_as_outflows():
    assert FL.parse_figure("( 37,256 )") == -37256.0
    assert FL.parse_figure("52,535") == 52535.0
    assert FL.parse_figure("—") == 0.0


def test_columns_follow_the_statement_order_either_way():
    old_first = FL.cash_flow_line(NEWEST_LAST, "Purchases of property and equipment")
    new_first = FL.cash_flow_line(NEWEST_FIRST, "Purchases of property and equipment")
    assert old_first.value("Year ended December 31 2024") == -82999.0
    assert old_first.value("Year ended December 31 2022") == -63645.0
    assert new_first.value("Year ended December 31 2024") == -37256.0
    assert new_first.value("Year ended December 31 2022") == -31186.0


def test_quarterly_statement_has_three_and_six_month_columns():
    st = FL.cash_flow_line(QUARTERLY, "Additions to property and equipment")
    assert st.periods == ("Three months ended December 31 2024", "Three months ended December 31 2023",
                          "Six months ended December 31 2024", "Six months ended December 31 2023")
    assert st.value("Six months ended December 31 2024") == -30727.0


def test_a_longer_line_with_the_same_opening_is_not_taken():
    decoy = ("Free cash flow: Purchases of property and equipment, net of proceeds from sales and incentives "
             "(48,133) (77,658). ")
    text = NEWEST_LAST.replace("Purchases of property and equipment (", "Purchases of property and equipment, net (")
    with pytest.raises(FL.FilingError, match="no line named exactly"):
        FL.cash_flow_line(decoy + text, "Purchases of property and equipment")


def test_the_line_outside_the_statement_is_ignored():
    # the same words with figures, but before the statement heading (an MD&A table)
    text = "MD&A Purchases of property and equipment (1) (2) (3) " + NEWEST_LAST
    assert FL.cash_flow_line(text, "Purchases of property and equipment").value("Year ended December 31 2024") == -82999.0


def test_missing_heading_or_unit_fails_with_one_line():
    with pytest.raises(FL.FilingError, match="no consolidated cash-flow statement heading"):
        FL.cash_flow_line("Purchases of property and equipment (1)", "Purchases of property and equipment")
    with pytest.raises(FL.FilingError, match="in millions"):
        FL.cash_flow_line(NEWEST_LAST.replace("(in millions)", "(in thousands)"), "Purchases of property and equipment")


def test_unknown_column_names_the_columns():
    st = FL.cash_flow_line(NEWEST_FIRST, "Purchases of property and equipment")
    with pytest.raises(FL.FilingError, match="columns are"):
        st.value("Year ended December 31 2025")


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(FL.FilingError, match="filing not found"):
        FL.capex_line("META", tmp_path)


def test_capex_2024_from_a_small_gzip_filing(tmp_path):
    name, _ = FL.CAPEX_LINES["META"]
    with gzip.open(tmp_path / name, "wt", encoding="utf-8") as fh:
        fh.write(NEWEST_FIRST.replace(" ", "\n", 5))  # the stored files break lines anywhere
    period, capex, st = FL.capex_2024("META", tmp_path)
    assert (period, capex) == ("Year ended December 31 2024", 37256.0)


def _words(name: str) -> str:
    return FL.read_filing(FL.SEC_DIR / name)


@pytest.mark.skipif(not HAVE_SEC, reason=NO_SEC)
def test_meta_statement_matches_its_md_and_a():
    period, capex, _ = FL.capex_2024("META")
    said = re.search(r"mostly consisted of \$([\d.]+) billion of purchases of property and equipment",
                     _words(FL.CAPEX_LINES["META"][0]))
    assert period == "Year ended December 31 2024"
    assert round(capex / 1000, 2) == float(said.group(1))


@pytest.mark.skipif(not HAVE_SEC, reason=NO_SEC)
def test_alphabet_statement_matches_its_md_and_a():
    _, capex, st = FL.capex_2024("GOOG")
    said = re.search(r"we spent \$([\d.]+) billion and \$([\d.]+) billion on capital expenditures",
                     _words(FL.CAPEX_LINES["GOOG"][0]))
    assert round(capex / 1000, 1) == float(said.group(2))
    assert round(-st.value("Year ended December 31 2023") / 1000, 1) == float(said.group(1))


@pytest.mark.skipif(not HAVE_SEC, reason=NO_SEC)
def test_amazon_gross_line_less_proceeds_is_its_free_cash_flow_input():
    _, capex, _ = FL.capex_2024("AMZN")
    text = _words(FL.CAPEX_LINES["AMZN"][0])
    proceeds = FL.cash_flow_line(text, "Proceeds from property and equipment sales and incentives")
    net = re.search(r"Purchases of property and equipment, net of proceeds from sales and incentives "
                    r"\(([\d,]+)\) \(([\d,]+)\)", text)
    assert capex - proceeds.value("Year ended December 31 2024") == float(net.group(2).replace(",", ""))


@pytest.mark.skipif(not HAVE_SEC, reason=NO_SEC)
def test_microsoft_six_months_match_the_increase_its_md_and_a_states():
    period, capex, st = FL.capex_2024("MSFT")
    said = re.search(r"an \$([\d.]+) billion increase in additions to property and equipment",
                     _words(FL.CAPEX_LINES["MSFT"][0]))
    assert period == "Six months ended December 31 2024"
    assert round((capex + st.value("Six months ended December 31 2023")) / 1000, 1) == float(said.group(1))
