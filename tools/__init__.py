"""Repository tooling (the course runner, the notebook formatter): not installed with mio_utils."""
