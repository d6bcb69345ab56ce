"""The command line under bad input: every tamrin error is one line on stderr and exit
status 2, Ctrl-C is one line and 130, and only a bug prints a traceback (exit 1)."""

from __future__ import annotations

import pytest

from tamrin import cli


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


BAD_ARGUMENTS = [
    (["train", "--lr", "-1"], "--lr"), (["train", "--lr", "nan"], "--lr"),
    (["train", "--lr", "x"], "--lr"), (["train", "--batch-size", "0"], "--batch-size"),
    (["train", "--dropout", "2"], "--dropout"), (["train", "--val-fraction", "1.5"],
                                                 "--val-fraction"),
    (["train", "--hidden", "0"], "--hidden"), (["train", "--hidden", "64,x"], "--hidden"),
    (["train", "--epochs", "-1"], "--epochs"), (["train", "--epochs", "0"], "--epochs"),
    (["train", "--model", "gpt"], "--model"), (["train", "--seed", "-1"], "--seed"),
    (["labs", "run", "--all", "--seed", "-1"], "--seed"),
    (["labs", "run", "--all", "--seed", str(2**64)], "--seed"),
    (["labs", "run", "--all", "--jobs", "0"], "--jobs"),
    (["labs", "run", "--all", "--jobs", "-3"], "--jobs"),
    (["labs", "run", "no-such-lab"], "no lab named"), (["labs", "run"], "lab names or --all"),
    (["summary", "CONV-3-4-s0", "--input", "1x8x8"], "s0"),
    (["summary", "CONV-3-4-s³", "--input", "1x8x8"], "s³"),
    (["summary", "CONV-" + "9" * 10000 + "-4", "--input", "1x8x8"], "at most 9 digits"),
    (["summary", "FC-3", "--input", "1x8.5x8"], "--input"),
    (["summary", "FC-3", "--input", "0x8x8"], "--input"),
    (["summary", "FC-3"], "--input"), (["data", "fetch", "nope"], "no data set"),
    (["no-such-command"], "invalid choice"),
]


@pytest.mark.parametrize("argv, shown", BAD_ARGUMENTS, ids=lambda a: " ".join(a)[:40]
                         if isinstance(a, list) else None)
def test_bad_arguments_are_one_line_and_exit_2(argv, shown, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as stop:  # argparse's own errors exit through SystemExit
        code = stop.code
    assert code == 2
    assert shown in _one_line(capsys)


def test_huge_summaries_are_instant(capsys):
    for spec, shape in [("GAP", "1x100000x100000"), ("FC-100000000", "1x1000x1000"),
                        ("CONV-3-64-p100000", "1x8x8")]:
        assert cli.main(["summary", spec, "--input", shape]) == 0
    assert "100,000,100,000,000" in capsys.readouterr().out


def test_out_naming_a_file_or_an_unwritable_place(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for argv in (["labs", "run", "variance-propagation", "--out", str(a_file)],
                 ["labs", "run", "variance-propagation", "--out", str(a_file / "sub")],
                 ["report", "--out", str(a_file / "sub")],
                 ["train", "--epochs", "1", "--out", str(a_file), "--no-progress"]):
        assert cli.main(argv) == 2
        assert str(a_file) in _one_line(capsys)


@pytest.mark.parametrize("content", [b"", b"garbage", b"\x80\x04K\x01.", b"{}" * 100])
def test_corrupt_files_given_to_the_cli(tmp_path, content, capsys):
    path = tmp_path / "x.safetensors"
    path.write_bytes(content)
    assert cli.main(["evaluate", str(path)]) == 2
    assert str(path) in _one_line(capsys)
    (tmp_path / "results.json").write_bytes(content)
    assert cli.main(["report", "--out", str(tmp_path)]) == 2
    assert "results.json" in _one_line(capsys)


def test_resume_from_a_bare_state_dict(tmp_path, capsys):
    import tamrin
    from tamrin import nn

    tamrin.save(nn.Linear(2, 2).state_dict(), tmp_path / "last.safetensors")
    assert cli.main(["train", "--epochs", "1", "--out", str(tmp_path), "--resume",
                     "--no-progress"]) == 2
    assert "not written by `tamrin train`" in _one_line(capsys)


def test_ctrl_c_in_train_says_how_to_resume(tmp_path, capsys, monkeypatch):
    from tamrin.train import commands

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "fit", interrupted)
    assert cli.main(["train", "--epochs", "1", "--out", str(tmp_path), "--no-progress"]) == 130
    line = _one_line(capsys)
    assert "interrupted" in line and "--resume" in line


def test_ctrl_c_elsewhere_is_one_line_and_130(capsys, monkeypatch):
    from tamrin.labs import commands

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "list_labs", interrupted)
    assert cli.main(["labs", "list"]) == 130
    assert _one_line(capsys) == "tamrin labs list: interrupted"


def test_a_bug_prints_its_traceback_and_asks_for_a_report(capsys, monkeypatch):
    from tamrin.labs import commands

    def buggy(args):
        return None.missing  # an AttributeError: a bug, not a user error

    monkeypatch.setattr(commands, "list_labs", buggy)
    assert cli.main(["labs", "list"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "AttributeError" in err and "please report it" in err
