"""The evaluation notebook runs top to bottom on a fresh kernel and draws its plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO_ROOT / "notebooks" / "forecast_evaluation.ipynb"


@pytest.fixture(scope="module")
def kernel_name() -> str:
    """The venv's python3 kernel; installed into the venv (sys.prefix) when missing, as on a
    clean CI machine."""
    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
            check=True,
            capture_output=True,
        )
    return "python3"


def test_notebook_executes_with_plots(kernel_name, data_dir, monkeypatch):
    """All cells run without error, three figures are drawn and simulated figures say so."""
    monkeypatch.setenv("GREENTOUR_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    images = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(images) == 3
    text = "".join(
        cell.source + "".join(str(o.get("text", "")) for o in cell.get("outputs", []))
        for cell in nb.cells
    )
    assert text.count("SIMULATED") >= 4
    assert "Heilbronn" in text
