# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""``cpu_info``: the CPU a timing came from, as benchmark.py and the
efficiency report record it."""
import os

import pytest
import torch

from mmseg_efficient.utils import ISA_LEVELS, cpu_info, cpu_summary

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni \
avx512_bf16 amx_tile amx_bf16 amx_int8

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni \
avx512_bf16 amx_tile amx_bf16 amx_int8

processor\t: 2
model name\t: Intel(R) Xeon(R) Platinum 8480+
physical id\t: 0
core id\t\t: 1
flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni \
avx512_bf16 amx_tile amx_bf16 amx_int8
"""


def test_cpu_info_of_this_machine():
    info = cpu_info(ort_threads=3)
    assert isinstance(info['model'], str) and info['model']
    assert isinstance(info['logical_cpus'], int)
    assert 1 <= info['available_cpus'] <= info['logical_cpus']
    if hasattr(os, 'sched_getaffinity'):
        assert info['available_cpus'] == len(os.sched_getaffinity(0))
    assert info['physical_cores'] is None or (
        1 <= info['physical_cores'] <= info['logical_cpus'])
    assert info['isa'] in ISA_LEVELS
    assert all(isinstance(e, str) for e in info['extensions'])
    assert info['torch_threads'] == torch.get_num_threads()
    assert info['ort_threads'] == 3
    assert cpu_info()['ort_threads'] == torch.get_num_threads()
    assert info['torch'] == torch.__version__
    summary = cpu_summary(info)
    assert info['model'] in summary and info['isa'] in summary


def test_cpu_info_reads_isa_and_cores(tmp_path):
    path = tmp_path / 'cpuinfo'
    path.write_text(CPUINFO)
    info = cpu_info(cpuinfo_path=str(path))
    assert info['model'] == 'Intel(R) Xeon(R) Platinum 8480+'
    assert info['physical_cores'] == 2  # two threads share core 0
    assert info['isa'] == 'AMX'
    assert {'AVX2', 'AVX-512 VNNI', 'AVX-512 BF16', 'AMX-BF16'} <= set(
        info['extensions'])
    assert info['source'] == 'cpuinfo'
    assert '(+ AVX-512 BF16, AMX-BF16, AMX-INT8)' in cpu_summary(info)
    path.write_text(CPUINFO.replace(
        'avx512f avx512bw avx512_vnni avx512_bf16 amx_tile amx_bf16 '
        'amx_int8', ''))
    assert cpu_info(cpuinfo_path=str(path))['isa'] == 'AVX2'


@pytest.mark.parametrize('capability,isa', [('AVX512', 'AVX-512'),
                                            ('AVX2', 'AVX2'),
                                            ('DEFAULT', 'baseline')])
def test_cpu_info_off_linux_asks_torch(tmp_path, monkeypatch, capability,
                                       isa):
    monkeypatch.setattr(torch.backends.cpu, 'get_cpu_capability',
                        lambda: capability)
    info = cpu_info(cpuinfo_path=str(tmp_path / 'missing'))
    assert info['source'] == 'torch' and info['isa'] == isa
    assert info['physical_cores'] is None and info['model']


def test_cpu_summary_of_a_run_without_it():
    assert cpu_summary(None) == 'CPU not recorded'
