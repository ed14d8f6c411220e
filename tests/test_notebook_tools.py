from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import notebooks


def _nb():
    return new_notebook(cells=[
        new_markdown_cell("# 99 · Title"),
        new_code_cell("x = 1\nx", execution_count=7,
                      outputs=[new_output("execute_result", {"text/plain": "1"}, execution_count=7)]),
        new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(2)", execution_count=8, outputs=[
            new_output("stream", name="stdout", text="2\n"),
            new_output("stream", name="stderr", text="a warning\n"),
        ]),
    ])


def test_normalise_strips_all_but_checked_outputs():
    nb = notebooks.normalise(_nb())
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert [o.text for o in nb.cells[2].outputs] == ["2\n"], "stderr is dropped from checked cells"
    assert nb.cells[2].execution_count == 1, "nbval needs an execution count on stored outputs"
    assert len({c.id for c in nb.cells}) == 3


def test_normalise_takes_checked_outputs_from_executed_copy():
    executed = _nb()
    executed.cells[2].outputs = [new_output("stream", name="stdout", text="fresh\n")]
    nb = notebooks.normalise(_nb(), executed)
    assert nb.cells[2].outputs[0].text == "fresh\n"


def test_format_is_idempotent(tmp_path):
    import nbformat

    path = tmp_path / "n.ipynb"
    nbformat.write(_nb(), path)
    assert notebooks.format_file(path) is True
    assert notebooks.format_file(path) is False
    assert notebooks.main([str(path), "--check"]) == 0
