"""Outputs are all or none: whatever happens, --out holds the old complete set or the new one.

Faults covered: a renderer failing, Ctrl-C, SIGTERM and SIGKILL at several moments of a real
run (subprocess), a full disk (a small tmpfs, skipped where mounting is not permitted) before
and during writing, two audits into one folder, and every output-folder problem found before
the audit starts.  Each test checks what is left on disk, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from essex_standard import outfolder, outputs
from essex_standard.cli import main
from essex_standard.outfolder import OutputFolder

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = {"audit.yaml", "d.csv"}
OLD = {"results.json": b'{"old": true}\n', "atrs.md": b"# old record\n",
       "public-report.pdf": b"%PDF-old\n"}


def _write_project(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "s": rng.random(n).round(3),
                       "g": rng.choice(["A", "B", "C"], n)})
    df["p"] = (df.s > 0.5).astype(int)
    df.to_csv(folder / "d.csv", index=False)
    cfg = {"model": {"name": "Tiny"}, "protected": ["g"], "bootstrap": 0,
           "data": {"path": "d.csv", "y_true": "y", "y_pred": "p", "y_score": "s"}}
    (folder / "audit.yaml").write_text(yaml.safe_dump(cfg))
    return folder / "audit.yaml"


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    import essex_standard

    return essex_standard.audit(_write_project(tmp_path_factory.mktemp("tiny")))


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    _write_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _old_folder(out: Path) -> dict[str, bytes]:
    out.mkdir()
    for name, content in OLD.items():
        (out / name).write_bytes(content)
    return snapshot(out)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def leftovers(parent: Path, out_name: str = "out") -> set[str]:
    return {p.name for p in parent.iterdir() if p.name.startswith(f".{out_name}.")}


def _cli(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    return exc.value.code, err


def _no_audit(*args, **kwargs):
    raise AssertionError("the audit started although the output folder cannot be used")


@contextmanager
def tmpfs(path: Path, size: str, *options: str):
    """A small tmpfs at ``path`` (needs root and a kernel that allows it; else skip)."""
    path.mkdir(exist_ok=True)
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("needs Linux mount")
    opts = ",".join((f"size={size}", *options))
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here ({proc.stderr.strip()})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


# --------------------------------------------------------------------------- library level


def test_a_new_set_replaces_the_old_one_as_a_whole(tiny_result, tmp_path):
    out = tmp_path / "out"
    _old_folder(out)
    os.chmod(out, 0o750)
    written = outputs.write_outputs(tiny_result, out, only="results,model-card-md")
    assert sorted(p.name for p in written) == ["model-card.md", "results.json"]
    assert sorted(snapshot(out)) == ["model-card.md", "results.json"], "old files must go"
    assert (out / "results.json").read_bytes() == tiny_result.to_json().encode()
    assert os.stat(out).st_mode & 0o777 == 0o750, "the folder keeps its permissions"
    assert leftovers(tmp_path) == set()


def test_a_failing_renderer_changes_nothing(tiny_result, tmp_path, monkeypatch):
    out = tmp_path / "out"
    before = _old_folder(out)
    table = outputs.renderers()

    def broken(result):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(outputs, "renderers", lambda: {**table, "model-card.md": broken})
    with pytest.raises(RuntimeError, match="renderer bug"):
        outputs.write_outputs(tiny_result, out, only="results,public-html,model-card-md")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == set()


@pytest.mark.parametrize("at_call", [1, 2, 3])
def test_ctrl_c_while_writing_changes_nothing(tiny_result, tmp_path, monkeypatch, at_call):
    out = tmp_path / "out"
    before = _old_folder(out)
    real_write, calls = OutputFolder.write, []

    def write(self, name, content):
        calls.append(name)
        if len(calls) == at_call:
            raise KeyboardInterrupt
        return real_write(self, name, content)

    monkeypatch.setattr(OutputFolder, "write", write)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_outputs(tiny_result, out, only="results,public-html,model-card-md")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == set()


def test_without_the_atomic_exchange_two_renames_are_used(tiny_result, tmp_path, monkeypatch):
    monkeypatch.setattr(outfolder, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    _old_folder(out)
    outputs.write_outputs(tiny_result, out, only="results")
    assert sorted(snapshot(out)) == ["results.json"]
    assert leftovers(tmp_path) == set()


def test_a_run_killed_between_the_fallback_renames_is_repaired(tiny_result, tmp_path):
    """The fallback swap moves the old folder aside first; the next run puts it back."""
    aside = tmp_path / ".out.essex-old-4242"
    before = _old_folder(aside)
    (tmp_path / ".out.essex-tmp-4242").mkdir()  # the complete new set, never moved in
    folder = OutputFolder(tmp_path / "out", allowed=outputs.OUTPUT_NAMES.values()).open()
    folder.abort()
    assert snapshot(tmp_path / "out") == before
    assert leftovers(tmp_path) == set()


def test_death_right_after_the_swap_leaves_the_new_set(tiny_result, tmp_path, monkeypatch):
    """Killed between the exchange and deleting the old copy: --out is already the new set;
    the old copy, under the temporary name, is removed by the next run."""

    class Killed(BaseException):
        pass

    out = tmp_path / "out"
    _old_folder(out)
    calls = []

    def fsync_dir(path):
        calls.append(path)
        if len(calls) == 2:  # the first syncs the new folder, the second follows the swap
            raise Killed

    monkeypatch.setattr(outfolder, "_fsync_dir", fsync_dir)
    with pytest.raises(Killed):
        outputs.write_outputs(tiny_result, out, only="results")
    assert sorted(snapshot(out)) == ["results.json"]
    (old_copy,) = [p for p in tmp_path.iterdir() if ".essex-tmp-" in p.name]
    assert sorted(snapshot(old_copy)) == sorted(OLD)
    monkeypatch.undo()
    outputs.write_outputs(tiny_result, out, only="results,atrs-md")
    assert leftovers(tmp_path) == set()


def test_leftovers_of_killed_runs_are_removed_by_the_next(tiny_result, tmp_path):
    out = tmp_path / "out"
    _old_folder(out)
    stale = tmp_path / ".out.essex-tmp-999999"
    stale.mkdir()
    (stale / "results.json").write_text("half")
    (tmp_path / ".out.essex-lock").write_text("")  # left by a SIGKILLed run
    (tmp_path / ".outer.essex-tmp-1").mkdir()  # another folder's: not ours to touch
    outputs.write_outputs(tiny_result, out, only="results")
    assert leftovers(tmp_path) == set()
    assert (tmp_path / ".outer.essex-tmp-1").is_dir()


def test_other_files_are_kept_and_sub_folders_refused(tiny_result, tmp_path):
    out = tmp_path / "out"
    _old_folder(out)
    (out / "junit.xml").write_text("<testsuite/>")
    (out / "notes.txt").write_text("precious")
    (out / "link").symlink_to("notes.txt")
    outputs.write_outputs(tiny_result, out, only="results")
    assert sorted(snapshot(out)) == ["junit.xml", "link", "notes.txt", "results.json"]
    assert (out / "notes.txt").read_text() == "precious"
    assert os.readlink(out / "link") == "notes.txt"
    (out / "drafts").mkdir()
    with pytest.raises(outfolder.OutputFolderError, match="holds sub-folders \\('drafts'\\)"):
        outputs.write_outputs(tiny_result, out, only="results,atrs-md")
    assert sorted(p.name for p in out.iterdir()) == ["drafts", "junit.xml", "link", "notes.txt",
                                                     "results.json"]
    assert leftovers(tmp_path) == set()


def test_strays_of_earlier_versions_do_not_block_the_folder(tiny_result, tmp_path):
    out = tmp_path / "out"
    _old_folder(out)
    (out / "results.json.tmp").write_text("half")  # a killed run of an earlier version
    outputs.write_outputs(tiny_result, out, only="results")
    assert sorted(snapshot(out)) == ["results.json"]


def test_a_held_lock_stops_a_second_writer(tiny_result, tmp_path):
    out = tmp_path / "out"
    before = _old_folder(out)
    first = OutputFolder(out, allowed=outputs.OUTPUT_NAMES.values()).open()
    try:
        with pytest.raises(outfolder.OutputFolderError, match="another audit is writing to"):
            outputs.write_outputs(tiny_result, out, only="results")
        assert first.tmp.is_dir(), "the second writer must not touch the first one's folder"
        assert snapshot(out) == before
        first.write("results.json", b"{}")
        first.commit()
    finally:
        first.abort()
    assert snapshot(out) == {"results.json": b"{}"}
    assert leftovers(tmp_path) == set()


# --------------------------------------------------------------------------- CLI: before the audit


def test_folder_problems_are_found_before_the_audit(project, capsys, monkeypatch):
    monkeypatch.setattr("essex_standard.pipeline.audit", _no_audit)
    (project / "afile").write_text("x")
    (project / "busy").mkdir()
    (project / "busy" / "thesis").mkdir()
    cases = [
        ("/", "is the root folder"),
        (".", "is the current folder"),
        (str(project.parent), "holds it"),
        ("afile/sub", "is a file, not a folder"),
        ("busy", "holds sub-folders ('thesis')"),
    ]
    for out, needle in cases:
        code, err = _cli(["audit", "audit.yaml", "--out", out], capsys)
        assert code == 2, (out, err)
        assert err.startswith("error: --out ") and needle in err, err
        assert "Traceback" not in err
    assert {p.name for p in project.iterdir()} == PROJECT_FILES | {"afile", "busy"}


def test_a_folder_without_write_permission_is_refused_up_front(project, capsys, monkeypatch):
    """(Root may write anywhere, so the permission answer is simulated.)"""
    monkeypatch.setattr("essex_standard.pipeline.audit", _no_audit)
    before = _old_folder(project / "out")
    real_access = os.access

    def access(path, mode):
        return real_access(path, mode) and not (Path(path).name == "out" and mode & os.W_OK)

    monkeypatch.setattr(os, "access", access)
    code, err = _cli(["audit", "audit.yaml", "--out", "out"], capsys)
    assert code == 2 and "is not writable (permission denied)" in err, err
    assert snapshot(project / "out") == before and leftovers(project) == set()


def test_unknown_only_names_exit_2_with_the_list(project, capsys, monkeypatch):
    monkeypatch.setattr("essex_standard.pipeline.audit", _no_audit)
    code, err = _cli(["audit", "audit.yaml", "--out", "out", "--only", "results,pdf"], capsys)
    assert code == 2
    assert "unknown output 'pdf'" in err and "public-html" in err and "atrs-md" in err


def test_read_only_mount_and_mount_point_are_refused_up_front(project, capsys, monkeypatch):
    monkeypatch.setattr("essex_standard.pipeline.audit", _no_audit)
    with tmpfs(project / "ro", "1m", "ro"):
        code, err = _cli(["audit", "audit.yaml", "--out", "ro/out"], capsys)
        assert code == 2 and "Read-only file system" in err and "Traceback" not in err
        code, err = _cli(["audit", "audit.yaml", "--out", "ro"], capsys)
        assert code == 2 and "is a mount point" in err


def test_a_full_disk_is_found_before_the_audit(project, capsys, monkeypatch):
    monkeypatch.setattr("essex_standard.pipeline.audit", _no_audit)
    with tmpfs(project / "small", "200k") as disk:
        before = _old_folder(disk / "out")
        (disk / "filler").write_bytes(b"x" * 120_000)
        code, err = _cli(["audit", "audit.yaml", "--out", "small/out"], capsys)
        assert code == 2, err
        assert "the disk holding it is full" in err and "Traceback" not in err
        assert snapshot(disk / "out") == before
        assert leftovers(disk) == set()


def test_a_disk_filling_up_while_writing_leaves_the_old_set(project, capsys, monkeypatch,
                                                           tiny_result):
    monkeypatch.setattr("essex_standard.pipeline.audit", lambda cfg, step=None: tiny_result)
    monkeypatch.setattr(outputs, "MIN_FREE_BYTES", 0)  # get past the up-front check
    with tmpfs(project / "small", "200k") as disk:
        before = _old_folder(disk / "out")
        (disk / "filler").write_bytes(b"x" * 60_000)
        code, err = _cli(["audit", "audit.yaml", "--out", "small/out", "--only",
                          "results,technical-html,public-html,model-card-json"], capsys)
        assert code == 2, err
        assert "the disk filled up while" in err and "Nothing was changed" in err
        assert "Traceback" not in err
        assert snapshot(disk / "out") == before
        assert leftovers(disk) == set()


def test_two_audits_into_one_folder_cannot_mix(project, capsys, monkeypatch, tiny_result):
    monkeypatch.setattr("essex_standard.pipeline.audit", lambda cfg, step=None: tiny_result)
    holder = OutputFolder(project / "out", allowed=outputs.OUTPUT_NAMES.values()).open()
    try:
        code, err = _cli(["audit", "audit.yaml", "--out", "out"], capsys)
        assert code == 2 and "another audit is writing to out" in err, err
        assert not (project / "out").exists()
    finally:
        holder.abort()
    code, err = _cli(["audit", "audit.yaml", "--out", "out", "--only", "results"], capsys)
    assert code == 0, err
    assert leftovers(project) == set()


# --------------------------------------------------------------------------- real processes

NEW = "results,public-html,model-card-md,technical-pdf"
NEW_FILES = ["model-card.md", "public-report.html", "results.json", "technical-report.pdf"]


def _spawn(project: Path, only: str = NEW) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "essex_standard", "audit", "audit.yaml", "--out", "out",
         "--only", only],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _wait_for(proc: subprocess.Popen, tmp: Path, files: int, timeout: float = 240) -> None:
    """Wait until the run's temporary folder holds ``files`` files (-1: until it exists)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"the audit ended before the moment to stop it: {proc.stderr.read()}")
        try:
            if tmp.is_dir() and len(os.listdir(tmp)) >= files:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    proc.kill()
    pytest.fail("the moment to stop the audit never came")


MOMENTS = [(-1, "the temporary folder was just made"), (1, "results.json was written"),
           (3, "the PDF is being rendered")]
CASES = [(sig, files) for sig in (signal.SIGKILL, signal.SIGINT, signal.SIGTERM)
         for files, _ in MOMENTS]
QUICK = {(signal.SIGKILL, -1), (signal.SIGTERM, 1)}


@pytest.mark.parametrize(
    "sig,files",
    [pytest.param(*c, marks=() if c in QUICK else pytest.mark.slow,
                  id=f"{signal.Signals(c[0]).name}-{c[1]}") for c in CASES],
)
@pytest.mark.slow
def test_a_run_stopped_at_any_moment_leaves_the_old_complete_set(project, capsys, sig, files):
    before = _old_folder(project / "out")
    proc = _spawn(project)
    _wait_for(proc, project / f".out.essex-tmp-{proc.pid}", files)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert snapshot(project / "out") == before, "the old complete set must stay"
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert leftovers(project) <= {f".out.essex-tmp-{proc.pid}", ".out.essex-lock"}
        # The next run recognises and removes what the killed one left.
        code, err = _cli(["audit", "audit.yaml", "--out", "out", "--only", "atrs-md"], capsys)
        assert code == 0, err
        assert sorted(snapshot(project / "out")) == ["atrs.md", "results.json"]
    else:
        assert proc.returncode == 2, err
        assert "Traceback" not in err and "nothing was changed in out" in err, err
    assert leftovers(project) == set()
    assert {p.name for p in project.iterdir()} == PROJECT_FILES | {"out"}


@pytest.mark.slow
def test_two_real_audits_at_once_leave_one_complete_set(project):
    first = _spawn(project)
    _wait_for(first, project / f".out.essex-tmp-{first.pid}", -1)
    second = _spawn(project, only="results,atrs-md")
    _, err2 = second.communicate(timeout=240)
    _, err1 = first.communicate(timeout=240)
    assert first.returncode == 0, err1
    assert second.returncode == 2 and "another audit is writing to out" in err2
    assert sorted(snapshot(project / "out")) == NEW_FILES
    assert leftovers(project) == set()
