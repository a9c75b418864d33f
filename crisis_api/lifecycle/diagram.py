"""A state machine as an SVG picture, drawn from its `@transition` declarations.

No graphviz: the layout is computed here from each state's position in the field's choices, so
the output is byte-for-byte stable for a given language (states and transitions show their
translated labels; the `data-*` attributes and ids keep the machine values). States sit in one
row, left to right. A transition to the next state is a straight arrow between the boxes; one
that skips ahead runs above the row, one that goes back runs below it, each on its own level
(shorter spans nearer the row), so neither lines nor labels overlap. Transitions sharing
source and target share one arrow.

`python manage.py state_diagram` writes the committed copy; a test keeps it current.
"""

from collections import defaultdict
from xml.sax.saxutils import escape

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crisis_api.lifecycle.machine import StateMachine

MARGIN, BOX_W, BOX_H, GAP = 20, 120, 44, 90  # box size, space between boxes
BASE, STEP, LABEL_ROOM, RADIUS = 34, 30, 22, 12  # arcs: first level, next levels, corners
INK, LINE, FONT = "#263238", "#546e7a", "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def state_diagram_svg(machine: StateMachine, transitions=None) -> str:
    """The machine's diagram as a self-contained SVG document (deterministic).

    `transitions` ((source, name, target) triples) replaces the machine's own, for tests.
    """
    states = machine.states
    prefix = machine.model._meta.model_name
    names = defaultdict(list)  # (source index, target index) -> transition labels
    if transitions is None:
        transitions = [(e.source, e.name, e.target) for e in machine.edges]
    for source, name, target in transitions:
        label = str(machine.label(name)) if name in machine.names else name
        names[states.index(source), states.index(target)].append(label)
    edges = sorted(names)
    straight = [e for e in edges if e[1] == e[0] + 1]
    arcs = {  # by side, below the row or not; each arc gets a level, shorter spans lower
        False: [e for e in edges if e[1] > e[0] + 1 or e[1] == e[0]],  # skips ahead, loops
        True: [e for e in edges if e[1] < e[0]],  # goes back
    }
    for side_arcs in arcs.values():
        side_arcs.sort(key=lambda e: (abs(e[1] - e[0]), e))

    def room(side):
        return BASE + (len(arcs[side]) - 1) * STEP + LABEL_ROOM if arcs[side] else 0

    top = MARGIN + room(False)
    bottom, mid = top + BOX_H, top + BOX_H // 2
    width = 2 * MARGIN + len(states) * BOX_W + (len(states) - 1) * GAP
    height = bottom + room(True) + MARGIN

    def left(i):
        return MARGIN + i * (BOX_W + GAP)

    # Where each arc leaves or enters its box: spread along the edge, outer arcs outermost.
    ends = defaultdict(list)  # (state index, below) -> [(sort key, edge, is target end)]
    for side, side_arcs in arcs.items():
        for edge in side_arcs:
            for is_target, (here, other) in enumerate((edge, edge[::-1])):
                ends[here, side].append(((other > here, -other, is_target), edge, is_target))
    attach = {}
    for (here, _side), items in ends.items():
        for k, (_key, edge, is_target) in enumerate(sorted(items)):
            attach[edge, is_target] = left(here) + BOX_W * (k + 1) // (len(items) + 1)

    def label(x, y, text):
        return (
            f'<text x="{x}" y="{y}" text-anchor="middle" font-size="12" fill="{INK}" '
            f'stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">'
            f"{escape(text)}</text>"
        )

    def edge_group(edge, path, labels):
        source, target = states[edge[0]], states[edge[1]]
        return [
            f'<g class="transition" data-source="{source}" data-target="{target}">',
            f'<path d="{path}" fill="none" stroke="{LINE}" stroke-width="1.5" '
            f'marker-end="url(#{prefix}-fsm-arrow)"/>',
            *labels,
            "</g>",
        ]

    desc = "; ".join(
        _("%(source)s to %(target)s by %(names)s")
        % {
            "source": machine.state_label(states[s]),
            "target": machine.state_label(states[t]),
            "names": ", ".join(sorted(names[s, t])),
        }
        for s, t in edges
    )
    title = _("%(model)s state machine") % {"model": capfirst(machine.model._meta.verbose_name)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{prefix}-fsm-title {prefix}-fsm-desc" '
        f'font-family="{FONT}">',
        f'<title id="{prefix}-fsm-title">{escape(title)}</title>',
        f'<desc id="{prefix}-fsm-desc">{escape(desc)}.</desc>',
        f'<defs><marker id="{prefix}-fsm-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{LINE}"/></marker></defs>',
    ]
    for i, state in enumerate(states):
        out += [
            f'<g class="state" id="state-{state}" data-state="{state}">',
            f'<rect x="{left(i)}" y="{top}" width="{BOX_W}" height="{BOX_H}" rx="10" '
            f'fill="#fff" stroke="{INK}" stroke-width="1.5"/>',
            f'<text x="{left(i) + BOX_W // 2}" y="{mid + 5}" text-anchor="middle" '
            f'font-size="15" fill="{INK}">{escape(str(machine.state_label(state)))}</text>',
            "</g>",
        ]
    for s, t in straight:
        x1, x2 = left(s) + BOX_W, left(t)
        lines = sorted(names[s, t])  # one name a line, stacked up from the arrow: gaps are narrow
        labels = [
            label((x1 + x2) // 2, mid - 8 - 14 * (len(lines) - 1 - k), n)
            for k, n in enumerate(lines)
        ]
        out += edge_group((s, t), f"M{x1},{mid} H{x2}", labels)
    for below, side_arcs in arcs.items():
        sign, edge_y = (1, bottom) if below else (-1, top)
        for level, edge in enumerate(side_arcs):
            x1, x2 = attach[edge, 0], attach[edge, 1]
            run = edge_y + sign * (BASE + level * STEP)
            r, d = min(RADIUS, abs(x2 - x1) // 2), 1 if x2 >= x1 else -1
            path = (
                f"M{x1},{edge_y} V{run - sign * r} Q{x1},{run} {x1 + d * r},{run} "
                f"H{x2 - d * r} Q{x2},{run} {x2},{run - sign * r} V{edge_y}"
            )
            label_y = run + 16 if below else run - 7
            text = ", ".join(sorted(names[edge]))  # arcs are wide: one line
            out += edge_group(edge, path, [label((x1 + x2) // 2, label_y, text)])
    out.append("</svg>")
    return "\n".join(out) + "\n"
