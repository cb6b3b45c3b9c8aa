# Copyright (c) mmseg_efficient contributors. All rights reserved.
