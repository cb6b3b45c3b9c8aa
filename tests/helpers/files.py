# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""File helpers shared by the reliability tests."""
import hashlib
import os
import os.path as osp


def folder_digest(folder: str) -> dict:
    """SHA-1 of every file directly in ``folder``, by name: equal digests
    mean nothing was added, deleted or rewritten."""
    out = {}
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if osp.isfile(path):
            with open(path, 'rb') as f:
                out[name] = hashlib.sha1(f.read()).hexdigest()
    return out
