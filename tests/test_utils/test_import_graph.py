# Copyright (c) mmseg_efficient contributors. All rights reserved.
"""The package's import graph has no circle: read from the source (every
``import`` / ``from ... import`` statement, those inside functions
included), the sub-packages of ``mmseg_efficient`` (and those of
``mmseg_efficient.models``) import each other in one direction only, e.g.
``utils`` (measurement, the tools' helpers) may import ``models``, and
``models`` never imports ``utils``."""
import ast
import os
import os.path as osp

import pytest

import mmseg_efficient

PACKAGE = osp.dirname(mmseg_efficient.__file__)


def _module_name(path):
    rel = osp.relpath(path, osp.dirname(PACKAGE))[:-len('.py')]
    parts = rel.split(os.sep)
    if parts[-1] == '__init__':
        parts = parts[:-1]
    return '.'.join(parts)


def _imports(path):
    """The ``mmseg_efficient`` modules ``path`` imports (absolute names)."""
    name = _module_name(path)
    is_package = path.endswith('__init__.py')
    package = name if is_package else name.rpartition('.')[0]
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module else
                                          []))
            else:
                target = node.module
            found.add(target)
            # ``from . import x`` imports the sub-module x
            found.update(f'{target}.{a.name}' for a in node.names)
    return {m for m in found if m and m.startswith('mmseg_efficient')}


def _graph(level):
    """Edges between the units of ``level`` (a package name): the first
    component below it of each module name."""
    depth = len(level.split('.'))
    edges = {}
    for root, _, files in os.walk(osp.join(PACKAGE, *level.split('.')[1:])):
        for file in files:
            if not file.endswith('.py'):
                continue
            path = osp.join(root, file)
            parts = _module_name(path).split('.')
            if len(parts) <= depth:  # the package's own __init__
                continue
            unit = parts[depth]
            for target in _imports(path):
                tparts = target.split('.')
                if tparts[:depth] == level.split('.') and len(tparts) > depth \
                        and tparts[depth] != unit:
                    edges.setdefault(unit, set()).add(tparts[depth])
    return edges


def _find_cycle(edges):
    state, stack = {}, []

    def visit(node):
        state[node] = 'open'
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 'open':
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 'done'
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


@pytest.mark.parametrize('level',
                         ['mmseg_efficient', 'mmseg_efficient.models'])
def test_no_import_circle_between_subpackages(level):
    edges = _graph(level)
    assert edges, 'the graph was not read'
    cycle = _find_cycle(edges)
    assert cycle is None, f'import circle in {level}: ' + ' -> '.join(cycle)


def test_the_graph_sees_a_planted_circle():
    # the checker itself: utils -> models is read, and a back edge is a
    # circle
    edges = _graph('mmseg_efficient')
    assert 'models' in edges['utils']
    assert 'utils' not in edges.get('models', set())
    planted = {k: set(v) for k, v in edges.items()}
    planted.setdefault('models', set()).add('utils')
    assert _find_cycle(planted) is not None


def test_measuring_code_does_not_name_a_head_class():
    imports = _imports(osp.join(PACKAGE, 'utils', 'analysis.py'))
    assert not any(m.startswith('mmseg_efficient.models.decode_heads')
                   for m in imports), imports
