"""Companies House company numbers as people and spreadsheets type them.

A company's registered number (Companies Act 2006, section 1066) has 8 characters: 8 digits for
a company registered in England and Wales, or a 2-character prefix naming the register and
the kind of body, then 6 characters, digits except in a few documented forms. The prefixes
are Companies House's (its "Uniform Resource Identifiers customer guide", and prefixes found
on the register beyond it); the special endings are those seen on the register (Scottish
limited partnerships and Northern Ireland companies ending in A, registered societies,
limited liability partnerships with letter endings).

`company_number_normalise` is the one place a typed number becomes the stored one: Unicode
NFKC (so full-width digits, U+FF10 to U+FF19, are the ASCII number, never a look-alike),
upper case, spaces removed; digits only after that; all-digit numbers that a spreadsheet
shortened by dropping leading zeros are padded back to 8, with a note saying so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

LENGTH: Final[int] = 8

# Prefix -> the register and kind of body it marks.
PREFIXES: Final[dict[str, str]] = {
    "AC": "assurance company, England and Wales",
    "ZC": "unregistered company, England and Wales",
    "FC": "overseas company",
    "GE": "European Economic Interest Grouping, England and Wales",
    "LP": "limited partnership, England and Wales",
    "OC": "limited liability partnership, England and Wales",
    "SE": "European company (Societas Europaea), England and Wales",
    "SA": "assurance company, Scotland",
    "SZ": "unregistered company, Scotland",
    "SF": "overseas company registered in Scotland before 1 October 2009",
    "GS": "European Economic Interest Grouping, Scotland",
    "SL": "limited partnership, Scotland",
    "SO": "limited liability partnership, Scotland",
    "SC": "company registered in Scotland",
    "ES": "European company (Societas Europaea), Scotland",
    "NA": "assurance company, Northern Ireland",
    "NZ": "unregistered company, Northern Ireland",
    "NF": "overseas company registered in Northern Ireland before 1 October 2009",
    "GN": "European Economic Interest Grouping, Northern Ireland",
    "NL": "limited partnership, Northern Ireland",
    "NC": "limited liability partnership, Northern Ireland",
    "R0": "company registered in Northern Ireland before partition",
    "NI": "company registered in Northern Ireland",
    "EN": "European company (Societas Europaea), Northern Ireland",
    "IP": "industrial and provident society",
    "SP": "industrial and provident society, Scotland",
    "IC": "investment company with variable capital",
    "SI": "investment company with variable capital, Scotland",
    "NP": "industrial and provident society or credit union, Northern Ireland",
    "NV": "investment company with variable capital, Northern Ireland",
    "RC": "Royal Charter company, England and Wales",
    "SR": "Royal Charter company, Scotland",
    "NR": "Royal Charter company, Northern Ireland",
    "NO": "credit union or industrial and provident society, Northern Ireland",
    "RS": "registered society",
    "CE": "charitable incorporated organisation",
    "CS": "charitable incorporated organisation, Scotland",
    "SG": "Scottish qualifying partnership",
    "FE": "further education or sixth form college corporation",
}
EXAMPLES: Final[str] = "SC, NI, OC, SO, NC, LP, SL, FC or R0"

_PREFIX = "|".join(sorted(PREFIXES))
_FORMS: Final = re.compile(
    r"^(?:"
    r"[0-9]{8}"  # England and Wales
    rf"|(?:{_PREFIX})[0-9]{{5}}[0-9CR]"  # a prefix and 6 characters (a few end in C or R)
    r"|(?:NI|SL)[0-9]{5}A"  # some Northern Ireland companies and Scottish LPs end in A
    r"|(?:RS|SO)[0-9]{3}(?:[0-9]{2}[WSRCZF]|[0-9](?:FI|RS|SA|IP|US|EN|AS)|CUS)"  # societies
    r"|OC(?:[0-9P]{5}[CWERTB]|[0-9P]{4}(?:OC|CU))"  # LLPs with letter endings
    r")$",
    re.ASCII,
)
_SCIENTIFIC = re.compile(r"^[0-9](?:\.[0-9]+)?E\+?[0-9]+$", re.ASCII)
_DIGITS = re.compile(r"^[0-9]+$", re.ASCII)
_ALPHANUMERIC = re.compile(r"^[A-Z0-9]+$", re.ASCII)


@dataclass(frozen=True)
class CompanyNumber:
    """A typed company number checked: the stored form, or an error; a note when padded."""

    number: str = ""
    error: str = ""
    note: str = ""


def company_number_text(typed: str) -> str:
    """What was typed, in the canonical character forms: NFKC, upper case, no spaces."""
    text = unicodedata.normalize("NFKC", typed).upper()
    return "".join(text.split())


def company_number_normalise(typed: str) -> CompanyNumber:
    """A typed company number as Companies House writes it, or why it cannot be one."""
    text = company_number_text(typed)
    if not text:
        return CompanyNumber(error="Enter the company number")
    if _SCIENTIFIC.match(text):
        return CompanyNumber(
            error=f"{text} is a number a spreadsheet wrote in scientific notation, which loses "
            "digits: format the column as text and enter the company numbers again"
        )
    if not _ALPHANUMERIC.match(text):
        return CompanyNumber(
            error="Enter a company number with the letters A to Z and the digits 0 to 9 only"
        )
    if _DIGITS.match(text) and len(text) < LENGTH:
        padded = text.zfill(LENGTH)
        note = f"Company number {text} was read as {padded}: spreadsheets drop leading zeros"
        return CompanyNumber(number=padded, note=note)
    if len(text) != LENGTH:
        return CompanyNumber(
            error=f"A company number has {LENGTH} characters; {text[:20]} has {len(text)}"
        )
    if _FORMS.match(text):
        return CompanyNumber(number=text)
    if text[:2] not in PREFIXES and not text[:2].isdigit():
        return CompanyNumber(
            error=f"{text[:2]} is not a Companies House prefix: enter 8 digits, or a prefix "
            f"such as {EXAMPLES} and 6 digits, like SC123456"
        )
    return CompanyNumber(
        error="Enter a Companies House number: 8 digits, like 01234567, or 2 letters and "
        "6 digits, like SC123456"
    )
