# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .efficientseg import EfficientSegEncoder
from .essnet import ERFNetEncoder, ESSNetA, ESSNetB
from .ndnet import NarrowBottleneck, NDNet
from .shufflenet_v2_atrous import ShuffleNetV2Atrous
from .wspdnet import WSPDNet

__all__ = [
    'EfficientSegEncoder', 'ERFNetEncoder', 'ESSNetA', 'ESSNetB',
    'NarrowBottleneck', 'NDNet', 'ShuffleNetV2Atrous', 'WSPDNet'
]
