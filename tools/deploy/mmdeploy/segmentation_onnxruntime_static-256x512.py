# mmdeploy deploy config: mmseg_efficient segmentors to ONNX, run by
# onnxruntime, with a fixed 256x512 (H x W) input. The graph ends in the
# per-class logits (with_argmax=False): mmdeploy's backend model takes the
# argmax and resizes the labels to each image. Use with mmdeploy's
# tools/deploy.py or torch2onnx (see tools/deploy/README.md).
onnx_config = dict(
    type='onnx',
    export_params=True,
    keep_initializers_as_inputs=False,
    # 13: SegFormer's attention reshapes (aten::unflatten) need it
    opset_version=13,
    save_file='end2end.onnx',
    input_names=['input'],
    output_names=['output'],
    # (W, H), mmdeploy's order
    input_shape=[512, 256],
    # mmdeploy's graph optimizer needs its TorchScript extension, which the
    # pip wheel does not ship
    optimize=False)
codebase_config = dict(type='mmseg', task='Segmentation', with_argmax=False)
backend_config = dict(type='onnxruntime')
