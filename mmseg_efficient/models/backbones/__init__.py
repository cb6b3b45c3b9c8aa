# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .efficientseg import EfficientSegEncoder
from .essnet import ERFNetEncoder, ESSNetA, ESSNetB
from .wspdnet import WSPDNet

__all__ = [
    'EfficientSegEncoder', 'ERFNetEncoder', 'ESSNetA', 'ESSNetB', 'WSPDNet'
]
