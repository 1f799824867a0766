"""Caffe2's caffe2.python.serialized_test.serialized_test_util, without the stored archives.

Caffe2 saved the inputs and outputs of one example per test in zip archives and compared later runs
with them. This runtime has no such archives, so SerializedTestCase is a HypothesisTestCase and
serial.given is hypothesis.given: the tests run their property checks and nothing is stored or read.
"""
import hypothesis

from caffe2.python import hypothesis_test_util as hu


def given(*given_args, **given_kwargs):
    return hypothesis.given(*given_args, **given_kwargs)


class SerializedTestCase(hu.HypothesisTestCase):
    should_serialize = False

