"""caffe2.python: Caffe2's Python API (core, workspace, test utilities) over the caffe2_mask runtime."""
