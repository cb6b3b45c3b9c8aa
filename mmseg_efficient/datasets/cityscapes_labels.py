# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The official Cityscapes label ids of the 19 training classes, shared by
the KITTI dataset (whose labels are Cityscapes label ids) and the
street-scene generator. Plain Python: importing it costs nothing."""

#: The 19 Cityscapes training classes; the index is the train id.
CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence',
                      'pole', 'traffic light', 'traffic sign', 'vegetation',
                      'terrain', 'sky', 'person', 'rider', 'car', 'truck',
                      'bus', 'train', 'motorcycle', 'bicycle')
#: Official Cityscapes label id of each training class (index = train id).
CITYSCAPES_CLASS_LABEL_IDS = (7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24,
                              25, 26, 27, 28, 31, 32, 33)
#: Ids that only raw Cityscapes label-id files hold: train ids stop at 18,
#: and every real street scene has some of these (traffic light 19, sign
#: 20, vegetation 21, terrain 22, sky 23, person 24, rider 25, car 26...).
RAW_ONLY_LABEL_IDS = range(19, 34)


class LabelFormatError(ValueError):
    """Label files that hold train ids where label ids are expected."""


def check_raw_label_ids(paths, folder: str, hint: str,
                        max_files: int = 8, backend_args=None) -> None:
    """Refuse label files that already hold train ids where raw Cityscapes
    label ids (0..33) are expected, before they are mapped a second time.

    Reads the first ``max_files`` of ``paths`` that exist. Every real
    folder of raw label ids holds ids in :data:`RAW_ONLY_LABEL_IDS` (19..33:
    sky, car, vegetation...); train-id files hold only 0..18 and 255. (An
    odd id such as 40 in one file is left to the label loader, which names
    the file.)

    Args:
        paths (Sequence[str]): Label files, in order.
        folder (str): Their folder, for the message.
        hint (str): What to do instead, appended to the message.
        max_files (int): How many files to read. Default: 8.
        backend_args (dict, optional): mmengine file back-end arguments.

    Raises:
        LabelFormatError: No file read holds an id in 19..33; the message
            names the folder, a file and the ids found.
    """
    import mmcv
    import numpy as np
    from mmengine.fileio import exists, get
    found, read = set(), []
    for path in paths:
        if len(read) == max_files:
            break
        if not exists(path, backend_args=backend_args):
            continue
        try:
            label = mmcv.imfrombytes(get(path, backend_args=backend_args),
                                     flag='unchanged', backend='pillow')
        except Exception:
            label = None
        if label is None or label.ndim != 2:
            continue  # the label loader names a broken file
        ids = {int(i) for i in np.unique(label)}
        read.append(path)
        found |= ids
    if read and not found & set(RAW_ONLY_LABEL_IDS):
        raise LabelFormatError(
            f'None of the first {len(read)} label files in {folder} (e.g. '
            f'{read[0]}) holds an id in {RAW_ONLY_LABEL_IDS[0]}..'
            f'{RAW_ONLY_LABEL_IDS[-1]} (sky 23, car 26, vegetation 21...), '
            'which raw Cityscapes label ids always include; ids found: '
            f'{sorted(found)}. They look like train ids already and would '
            'be mapped a second time. ' + hint)
