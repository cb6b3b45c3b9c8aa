# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .essnet import ERFNetEncoder, ESSNetA, ESSNetB
from .shufflenet_v2_atrous import ShuffleNetV2Atrous
from .wspdnet import WSPDNet

__all__ = [
    'ERFNetEncoder', 'ESSNetA', 'ESSNetB', 'ShuffleNetV2Atrous', 'WSPDNet'
]
