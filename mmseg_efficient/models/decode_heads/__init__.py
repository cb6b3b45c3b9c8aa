# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .dpc_heads import BasicASPPHead, DPCHead  # noqa: F401
from .efficientseg_head import EfficientSegHead  # noqa: F401
from .essnet_heads import ERFNetHead, ESSNetHead, ESSNetPPMHead  # noqa: F401
from .fcn32_head import FCN32Head  # noqa: F401
from .label_downsample_head import LabelDownsampleHead, downsample_label  # noqa: F401,E501
