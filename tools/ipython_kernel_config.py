# IPython kernel settings for the course's virtual environment: `make` copies this file to
# .venv/etc/ipython/, so every kernel started with the venv's Python (JupyterLab, nbval, VS Code) uses it.
#
# TensorFlow's C++ logging writes straight to file descriptor 2, and ipykernel forwards what it finds there
# into the notebook as red stderr blocks: absl/CUDA start-up lines and, under every `fit`, "NodeDef mentions
# attribute use_unbounded_threadpool". TF_CPP_MIN_LOG_LEVEL cannot hide the start-up lines (absl prints them
# before it reads any setting). Without the capture they go to the terminal that started the kernel, while
# Python warnings, `print(..., file=sys.stderr)` and tracebacks still show in the notebook.
c = get_config()  # noqa: F821 (IPython provides get_config to config files)
c.IPKernelApp.capture_fd_output = False
