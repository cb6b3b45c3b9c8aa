# Runtime shared by every mmseg_efficient config.
# ``default_scope`` stays 'mmseg': the plugin registers into mmseg's
# registries when ``custom_imports`` imports it.
default_scope = 'mmseg'
custom_imports = dict(imports=['mmseg_efficient'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # On a machine without CUDA, mmseg_efficient switches to 'gloo'.
    dist_cfg=dict(backend='nccl'),
    # Without CUDA, tools/train.py and tools/test.py split the cores between
    # the model's intra-op threads and the dataloader workers so that they
    # never exceed the cores ('auto'); an int fixes the threads, None keeps
    # PyTorch's defaults; OMP_NUM_THREADS in the environment wins.
    cpu_threads='auto',
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='SegTTAModel')
