# mmdeploy deploy config: mmseg_efficient segmentors to ONNX, run by
# onnxruntime, any batch size and image size (each image then goes through
# the config's own test resize). The graph ends in the label map
# (with_argmax=True, mmdeploy's default).
_base_ = ['./segmentation_onnxruntime_static-256x512.py']
onnx_config = dict(
    input_shape=None,
    dynamic_axes=dict(
        input=dict({
            0: 'batch',
            2: 'height',
            3: 'width'
        }),
        output=dict({
            0: 'batch',
            2: 'height',
            3: 'width'
        })))
codebase_config = dict(with_argmax=True)
