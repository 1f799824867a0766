"""The native extension under the name Caffe2 code imports it by (caffe2.python._import_c_extension)."""
from caffe2.python._caffe2_mask import *  # noqa: F401,F403
