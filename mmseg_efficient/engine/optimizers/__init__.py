# Copyright (c) mmseg_efficient contributors. All rights reserved.
from .multiplicative_custom_keys import MultiplicativeCustomKeysConstructor

__all__ = ['MultiplicativeCustomKeysConstructor']
