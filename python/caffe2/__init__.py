"""caffe2: Caffe2's Python package names, served by the caffe2_mask runtime.

caffe2.proto holds the generated protobuf module (caffe2_pb2); caffe2.python holds the extension
(_caffe2_mask) and the modules Caffe2 code imports (core, workspace, ...).
"""
