# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .essnet_blocks import (PW_CONV_NAMES, ChannelShuffle,  # noqa: F401
                            DeconvUpsampler, DWSDilBlock, ESSNetBlock,
                            NonBottleneck1dK, Upsample1x1Block, build_deconv,
                            check_groups, deconv_padding, parse_variant)
from .maskable_conv import (AlphaNotZeroError,  # noqa: F401
                            MaskedGroupConv2d, build_maskable_pointwise_conv,
                            check_alpha_zero, convert_to_grouped,
                            deploy_conv_cfgs, get_masked_convs, set_alpha)
