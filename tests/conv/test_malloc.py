"""The malloc tuning applied at import (glibc): it can be switched off, and it never fails."""

import tamrin._malloc as m


def test_opt_out_and_result_type(monkeypatch):
    monkeypatch.setenv("TAMRIN_MALLOC_TUNING", "0")
    assert m.keep_freed_memory() is False
    monkeypatch.delenv("TAMRIN_MALLOC_TUNING")
    assert isinstance(m.keep_freed_memory(), bool)
