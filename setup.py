# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""mmseg_efficient: efficient real-time semantic segmentation models for
MMSegmentation 1.x.

mmcv is an extra, because it comes in two exclusive flavours that share the
``mmcv/`` folder:

* ``pip install -e .[lite]``: installs ``mmcv-lite==2.1.0`` (no compiled ops;
  mmseg_efficient supplies pure-PyTorch stand-ins). The default on a fresh
  machine: no prebuilt full mmcv exists for current torch.
* ``pip install -e .``: with a full ``mmcv>=2.0,<2.2`` you already built;
  it is used untouched (``.[full]`` states that requirement explicitly).

``.[deploy]`` adds onnx, onnxruntime and matplotlib (ONNX export, the
onnxruntime backend of the benchmark, the efficiency report's plot).
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
# Run by Python's ``site`` at every start of the environment: installs the
# import hook of ``_mmseg_efficient_hook.py`` (mmcv.ops stand-ins and the
# checkpoint allow-list for mmseg's own tools, whatever is imported first).
PTH = 'mmseg_efficient.pth'


class BuildPyWithPth(build_py):
    """``build_py`` that puts ``mmseg_efficient.pth`` at the wheel's root."""

    def run(self):
        super().run()
        self.copy_file(osp.join(HERE, PTH), osp.join(self.build_lib, PTH))


cmdclass = {'build_py': BuildPyWithPth}
try:  # editable installs (PEP 660) build their wheel elsewhere
    from setuptools.command.editable_wheel import editable_wheel

    class EditableWheelWithPth(editable_wheel):
        """``editable_wheel`` that puts ``mmseg_efficient.pth`` at the root
        of the editable wheel too."""

        def _run_build_commands(self, dist_name, unpacked_wheel, *args,
                                **kwargs):
            result = super()._run_build_commands(dist_name, unpacked_wheel,
                                                 *args, **kwargs)
            shutil.copy(osp.join(HERE, PTH), osp.join(unpacked_wheel, PTH))
            return result

    cmdclass['editable_wheel'] = EditableWheelWithPth
except ImportError:
    pass
# What OpenMMLab's ``mim`` looks for in an installed package:
# ``mim train/test mmseg_efficient CONFIG`` finds CONFIG under .mim/configs and
# runs .mim/tools/train.py / test.py, ``mim run mmseg_efficient get_flops``
# finds .mim/tools/**/get_flops.py, ``mim search`` reads
# .mim/model-index.yml (which imports the configs' metafiles).
MIM_FILES = ('configs', 'tools', 'model-index.yml')


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def add_mim_extension():
    """Fill ``mmseg_efficient/.mim`` with the configs, the tools and
    model-index.yml, as mmseg and mmpretrain do.

    A wheel (``pip install .``, ``pip wheel .``, ``python -m build``) or an
    sdist gets copies; an editable install (``pip install -e .``) gets
    symbolic links to the source tree, so an edited config is used at once.
    Other setup.py commands (egg_info, the build backend's queries) leave
    the folder alone. The folder is generated: .gitignore lists it.
    """
    commands = set(sys.argv[1:])
    if commands & {'develop', 'editable_wheel'}:
        mode = 'copy' if os.name == 'nt' else 'symlink'
    elif commands & {'bdist_wheel', 'sdist', 'build', 'install'}:
        mode = 'copy'
    else:
        return
    mim_path = osp.join(HERE, 'mmseg_efficient', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(HERE, name)
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isdir(src):
            shutil.copytree(
                src, dst, ignore=shutil.ignore_patterns(
                    '__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src, dst)


def read_version():
    scope = {}
    with open(osp.join(HERE, 'mmseg_efficient', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


add_mim_extension()
setup(
    name='mmseg_efficient',
    version=read_version(),
    description='Efficient real-time semantic segmentation models '
    '(ERFNet, ESSNet, WSPD-Net, gradual grouping, EfficientSeg, '
    'ShuffleNetV2+DPC, NDNet, SegFormer on KITTI with channel-wise '
    'distillation; ONNX deploy) for MMSegmentation 1.x',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    py_modules=['_mmseg_efficient_hook'],
    cmdclass=cmdclass,
    # mmseg_efficient/.mim (configs, tools, model-index.yml): MANIFEST.in
    include_package_data=True,
    python_requires='>=3.8',
    install_requires=read_requirements('runtime.txt'),
    extras_require={
        'lite': read_requirements('lite.txt'),
        'full': read_requirements('full.txt'),
        'tests': read_requirements('tests.txt'),
        'deploy': read_requirements('deploy.txt'),
    },
    zip_safe=False)
