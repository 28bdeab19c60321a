"""The shared CSV reader: encodings Excel writes, ragged lines, nothing lost silently."""

from __future__ import annotations

import pytest

from csplib.errors import InputFormatError
from csplib.sources.base import read_table


def test_utf8_bom_is_stripped_from_the_first_column_name():
    t = read_table(b"\xef\xbb\xbfCrime ID,Month\nabc,2023-04\n", "f.csv")
    assert t.header == ["Crime ID", "Month"]
    assert t.frame["Crime ID"].tolist() == ["abc"]


def test_cp1252_as_excel_saves_it_is_read():
    t = read_table("Location,Month\nOn or near Caf\xe9 Row,2023-04\n".encode("cp1252"), "f.csv")
    assert t.encoding == "cp1252"
    assert t.frame["Location"].tolist() == ["On or near Café Row"]


def test_quoted_commas_and_quotes_inside_a_value_survive():
    data = b'Location,Month\n"On or near ""The Bell"", High St",2023-04\n'
    t = read_table(data, "f.csv")
    assert t.frame["Location"].tolist() == ['On or near "The Bell", High St']


def test_truncated_last_line_is_rejected_with_its_line_number():
    data = b"a,b,c\n1,2,3\n4,5,6\n7,8"
    t = read_table(data, "f.csv")
    assert len(t.frame) == 2
    assert t.rejects["source_line"].tolist() == [4]
    assert "short line" in t.rejects["reason"].iloc[0]


def test_blank_lines_are_not_rows_and_line_numbers_stay_true():
    data = b"a,b\n1,2\n\n3,4\n"
    t = read_table(data, "f.csv")
    assert t.frame["a"].tolist() == ["1", "3"]
    assert t.frame["source_line"].tolist() == [2, 4]


def test_trailing_empty_commas_are_kept_but_extra_values_are_rejected():
    data = b"a,b\n1,2,,\n3,4,oops\n"
    t = read_table(data, "f.csv")
    assert t.frame["a"].tolist() == ["1"]
    assert t.rejects["source_line"].tolist() == [3]
    assert "long line" in t.rejects["reason"].iloc[0]


def test_header_only_gives_no_rows():
    t = read_table(b"a,b\n", "f.csv")
    assert len(t.frame) == 0 and len(t.rejects) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"  \n\n", "empty"), (b"PK\x03\x04\x00\x00binary", "not a text")],
)
def test_empty_and_binary_files_are_refused_by_name(data, message):
    with pytest.raises(InputFormatError, match=message) as info:
        read_table(data, "broken.csv")
    assert "broken.csv" in str(info.value)
    assert "Fix:" in str(info.value)


def test_repeated_and_blank_column_names_are_numbered_like_pandas():
    t = read_table(b"Code,,Persons,Persons\nA,,1,2\n", "f.csv")
    assert t.header == ["Code", "Unnamed: 1", "Persons", "Persons.1"]
