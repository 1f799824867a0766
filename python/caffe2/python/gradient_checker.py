"""Numerical gradient checks (Caffe2's caffe2.python.gradient_checker).

GradientChecker.CheckSimple puts the loss L = sum(y**2) / 2 over the chosen outputs y on top of an
operator, feeds dL/dy = y to the operator's registered gradient operators, and compares the analytic
gradient of one input with central differences of L.
"""
import numpy as np

from caffe2.proto import caffe2_pb2
from caffe2.python import core, workspace


def getGradientForOp(op):
    return core.GradientRegistry.GetGradientForOp(op, [s + "_grad" for s in op.output])


class GradientChecker:
    def __init__(self, stepsize, threshold, device_option=None, workspace_name="gradient_check",
                 input_device_options=None):
        self._stepsize = stepsize
        self._threshold = threshold
        self._device_option = device_option or caffe2_pb2.DeviceOption()
        self._workspace_name = workspace_name
        self._input_device_options = input_device_options or {}

    def GetLossAndGrad(self, op, grad_ops, inputs, input_names, input_to_check, grad_name,
                       outputs_with_grads):
        """(loss, gradient of input `input_to_check`) for the inputs as they are now."""
        for name, value in zip(input_names, inputs):
            workspace.FeedBlob(name, value, self._input_device_options.get(name, self._device_option))
        workspace.RunOperatorOnce(op)
        loss = 0.0
        for idx in outputs_with_grads:
            name = op.output[idx]
            value = workspace.FetchBlob(name)
            loss += (value.astype(np.float64) ** 2).sum()
            workspace.FeedBlob(name + "_grad", value, self._device_option)
        loss /= 2.0
        workspace.RunOperatorsOnce(grad_ops)
        if isinstance(grad_name, core.GradientSlice):
            raise RuntimeError(
                "input {} has a sparse gradient; no operator here densifies it".format(input_to_check))
        return loss, workspace.FetchBlob(grad_name)

    def CheckSimple(self, op, inputs, input_to_check, outputs_with_grads, grad_ops=None,
                    input_device_options=None):
        """(passed, analytic gradient, estimated gradient) for input `input_to_check` of `op`."""
        old_ws_name = workspace.CurrentWorkspace()
        if self._workspace_name != old_ws_name:
            workspace.SwitchWorkspace(self._workspace_name, True)
        try:
            op.device_option.CopyFrom(self._device_option)
            if grad_ops is None:
                grad_ops, g_input = getGradientForOp(op)
            else:
                _, g_input = getGradientForOp(op)
            if input_device_options:
                self._input_device_options = input_device_options
            grad_name = g_input[input_to_check]
            if grad_name is None:
                raise RuntimeError("input {} ('{}') of {} has no gradient".format(
                    input_to_check, op.input[input_to_check], op.type))
            _, grad = self.GetLossAndGrad(op, grad_ops, inputs, op.input, input_to_check, grad_name,
                                          outputs_with_grads)
            x = inputs[input_to_check]
            estimate = np.zeros_like(x)
            if estimate.shape != grad.shape:
                raise Exception("Mismatched gradient shapes: estimated ({}), grad ({})".format(
                    estimate.shape, grad.shape))
            for i in range(x.size):
                original = x.flat[i]
                x.flat[i] = original + self._stepsize
                pos_loss, _ = self.GetLossAndGrad(op, grad_ops, inputs, op.input, input_to_check,
                                                  grad_name, outputs_with_grads)
                x.flat[i] = original - self._stepsize
                neg_loss, _ = self.GetLossAndGrad(op, grad_ops, inputs, op.input, input_to_check,
                                                  grad_name, outputs_with_grads)
                x.flat[i] = original
                # The step actually taken in x's dtype (float16 rounds it).
                step = (np.asarray(original + self._stepsize, dtype=x.dtype).astype(np.float64)
                        - np.asarray(original - self._stepsize, dtype=x.dtype).astype(np.float64)) / 2
                estimate.flat[i] = (pos_loss - neg_loss) / step / 2 if step else 0.0
            failures = ~np.isclose(grad, estimate, atol=self._threshold, rtol=self._threshold)
            if np.any(failures):
                idx = np.flatnonzero(failures)
                print("Gradient check failed for {} input {}. [idx, grad, grad_estimate]:".format(
                    op.type, input_to_check))
                print(np.vstack([idx, grad.flat[idx], estimate.flat[idx]]).T)
            return not np.any(failures), grad, estimate
        finally:
            if self._workspace_name != old_ws_name:
                workspace.ResetWorkspace()
                workspace.SwitchWorkspace(old_ws_name)
