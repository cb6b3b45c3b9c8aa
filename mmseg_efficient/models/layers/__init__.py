# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .maskable_conv import (MaskedGroupConv2d, build_maskable_pointwise_conv, convert_to_grouped, deploy_conv_cfgs, get_masked_convs, set_alpha)  # noqa: F401,E501
