# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .efficientseg_blocks import (EFFICIENTSEG_ARCHS, BneckSpec,  # noqa: F401
                                  build_bneck, efficientseg_specs,
                                  skip_channels)
from .essnet_blocks import (PW_CONV_NAMES, DWSDilBlock,  # noqa: F401
                            ESSNetBlock, FactorizedResidualBlock,
                            check_groups, parse_variant)
from .maskable_conv import (AlphaNotZeroError,  # noqa: F401
                            MaskedGroupConv2d, build_maskable_pointwise_conv,
                            check_alpha_zero, convert_to_grouped,
                            deploy_conv_cfgs, get_masked_convs, set_alpha)
